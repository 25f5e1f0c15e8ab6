module example.com/scoring-client

go 1.24
