"""scikit-learn: a random forest on a synthetic classification set, cross-validated (~5-10 s)."""
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score
X, y = make_classification(n_samples=6_000, n_features=40, n_informative=12, random_state=0)
clf = RandomForestClassifier(n_estimators=20, n_jobs=1, random_state=0)
print(cross_val_score(clf, X, y, cv=3).mean())
