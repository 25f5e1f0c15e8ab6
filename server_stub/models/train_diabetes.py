"""Regenerate ``diabetes.json``, the model the stub scores with.

The seed documentation page's example service was trained in Azure's
"train within notebook" sample: scikit-learn's Ridge regression with
``alpha=0.4`` on the bundled diabetes data set, split 80/20 with
``random_state=0``.  A linear model is fully described by its coefficients
and intercept, so the stub ships those numbers and needs neither numpy nor
scikit-learn at run time.

Run from the repository root (needs scikit-learn, not needed by the stub):

    python server_stub/models/train_diabetes.py
"""

import json
import pathlib

import sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split

OUT = pathlib.Path(__file__).with_name("diabetes.json")

# The two example rows printed on the documentation page (rows 362 and 249
# of an older release of the data set).
PAGE_ROWS = [
    [
        0.0199132141783263,
        0.0506801187398187,
        0.104808689473925,
        0.0700725447072635,
        -0.0359677812752396,
        -0.0266789028311707,
        -0.0249926566315915,
        -0.00259226199818282,
        0.00371173823343597,
        0.0403433716478807,
    ],
    [
        -0.0127796318808497,
        -0.044641636506989,
        0.0606183944448076,
        0.0528581912385822,
        0.0479653430750293,
        0.0293746718291555,
        -0.0176293810234174,
        0.0343088588777263,
        0.0702112981933102,
        0.00720651632920303,
    ],
]


def main() -> None:
    data = load_diabetes()
    x_train, _, y_train, _ = train_test_split(data.data, data.target, test_size=0.2, random_state=0)
    model = Ridge(alpha=0.4).fit(x_train, y_train)
    document = {
        "name": "diabetes-ridge",
        "description": "Ridge(alpha=0.4) on scikit-learn's diabetes data set, "
        "train_test_split(test_size=0.2, random_state=0)",
        "trained_with": f"scikit-learn {sklearn.__version__}",
        "feature_names": list(data.feature_names),
        "coefficients": [float(c) for c in model.coef_],
        "intercept": float(model.intercept_),
        "example": {"data": PAGE_ROWS, "predictions": [float(p) for p in model.predict(PAGE_ROWS)]},
    }
    OUT.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: predictions for the page's rows {document['example']['predictions']}")


if __name__ == "__main__":
    main()
