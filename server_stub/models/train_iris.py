"""Regenerate ``iris.json``, the classifier behind the stub's ModelArts dialect.

ModelArts' own examples call an iris classifier with one record of the four
measurements (``sepal_length``, ``sepal_width``, ``petal_length``,
``petal_width``) and read back ``predictresult``.  A multinomial logistic
regression is fully described by one coefficient row and an intercept per
class, so the stub ships those numbers and scores with a softmax, needing
neither numpy nor scikit-learn at run time.

Run from the repository root (needs scikit-learn, not needed by the stub):

    python server_stub/models/train_iris.py
"""

import json
import pathlib

import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

OUT = pathlib.Path(__file__).with_name("iris.json")
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
# The record of ModelArts' documented request, and a typical flower of each class.
EXAMPLES = [[3, 1, 2.2, 4], [5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5]]


def main() -> None:
    data = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.2, random_state=0)
    model = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    classes = [str(data.target_names[i]) for i in model.classes_]
    document = {
        "name": "iris-logistic",
        "description": "LogisticRegression(max_iter=1000) on scikit-learn's iris data set, "
        f"train_test_split(test_size=0.2, random_state=0); test accuracy {model.score(x_test, y_test):.3f}",
        "trained_with": f"scikit-learn {sklearn.__version__}",
        "feature_names": FEATURES,
        "classes": classes,
        "coefficients": [[float(c) for c in row] for row in model.coef_],
        "intercepts": [float(b) for b in model.intercept_],
        "example": {
            "data": EXAMPLES,
            "predictions": [classes[i] for i in model.predict(EXAMPLES)],
            "probabilities": [[float(p) for p in row] for row in model.predict_proba(EXAMPLES)],
        },
    }
    OUT.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {document['example']['predictions']} ({document['description']})")


if __name__ == "__main__":
    main()
