"""scikit-learn: import, fit a logistic regression on a small set, print (a 2-4 s script)."""
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
X, y = make_classification(n_samples=30_000, n_features=50, random_state=0)
print(LogisticRegression(max_iter=300).fit(X, y).score(X, y))
