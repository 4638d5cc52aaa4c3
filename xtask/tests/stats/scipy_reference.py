"""Reference values for the statistics in xtask/src/stats/, computed independently.

The Rust tests never run this script: its output is pasted into them, next to the call
that produced each number. Run it again (python3 scipy_reference.py) after changing a
test vector, and paste the new values. Produced with scipy 1.17.1 and numpy 2.4.6.

Brute-force references (Hodges-Lehmann intervals, the median's interval) enumerate
every sign pattern or subset in plain Python, without using the Rust code's tables.
"""

import itertools
import math

import numpy as np
import scipy
import scipy.special
import scipy.stats as st

print(f"scipy {scipy.__version__}, numpy {np.__version__}")


def formula(n):
    """d[i] = 0.02 sin(1.7 i) + 0.003 for i in 1..=n, as in the Rust tests."""
    return [0.02 * math.sin(1.7 * i) + 0.003 for i in range(1, n + 1)]


def formula_pair(n1, n2):
    """Two samples of log-times written as formulas, as in the Rust tests."""
    x = [12.0 + 0.03 * math.sin(2.3 * i) for i in range(1, n1 + 1)]
    y = [12.01 + 0.03 * math.cos(1.9 * i) for i in range(1, n2 + 1)]
    return x, y


# --- Normal and Student t -----------------------------------------------------------
print("\n# normal")
for x in [-8.0, -5.0, -3.0, -2.5, -1.96, -1.0, -0.3, 0.0, 0.5, 1.0, 1.6448536269514722,
          2.0, 2.5, 2.575829303548901, 3.0, 4.0, 6.0, 10.0]:
    print(f"({x!r}, {scipy.special.erfc(x)!r}, {st.norm.cdf(x)!r}),")
for p in [1e-12, 1e-6, 0.0005, 0.005, 0.025, 0.05, 0.2, 0.5, 0.8, 0.95, 0.975, 0.995,
          0.9995, 1 - 1e-9]:
    print(f"({p!r}, {st.norm.ppf(p)!r}),")
print("\n# student t")
for p, dof in [(0.975, 8), (0.975, 20), (0.975, 100), (0.9975, 8), (0.9975, 12),
               (0.9975, 50)]:
    print(f"({p!r}, {dof}.0, {st.t.ppf(p, dof)!r}),")

# --- Wilcoxon signed-rank ------------------------------------------------------------
NO_TIES = [0.013, -0.004, 0.021, 0.008, -0.011, 0.017, 0.026, 0.002, -0.007, 0.015]
TIES = [0.0, 0.01, -0.01, 0.02, 0.02, 0.0, 0.03, -0.005, 0.01, 0.04, 0.015, 0.02]

print("\n# wilcoxon")
print("exact NO_TIES", repr(st.wilcoxon(NO_TIES, zero_method="pratt", method="exact").pvalue))
print("exact formula(20)", repr(st.wilcoxon(formula(20), zero_method="pratt", method="exact").pvalue))
print(
    "permutation TIES",
    repr(st.wilcoxon(TIES, zero_method="pratt", method=st.PermutationMethod()).pvalue),
)
for name, d in [("NO_TIES", NO_TIES), ("TIES", TIES), ("formula(60)", formula(60)),
                ("formula(200)", formula(200))]:
    p = st.wilcoxon(d, zero_method="pratt", correction=True, method="asymptotic").pvalue
    print("asymptotic", name, repr(p))


def hodges_lehmann_brute(d, confidence):
    n = len(d)
    walsh = sorted((d[i] + d[j]) / 2 for i in range(n) for j in range(i, n))
    counts = {}
    for signs in itertools.product([0, 1], repeat=n):
        t = sum(r * s for r, s in zip(range(1, n + 1), signs))
        counts[t] = counts.get(t, 0) + 1
    total = 2**n
    tail = (1 - confidence) / 2
    cumulative, c = 0, None
    for t in sorted(counts):
        cumulative += counts[t]
        if cumulative / total <= tail:
            c = t
        else:
            break
    k = c + 1
    below = sum(v for t, v in counts.items() if t <= c) / total
    return float(np.median(walsh)), walsh[k - 1], walsh[len(walsh) - k], k, 1 - 2 * below


print("HL NO_TIES 95%", hodges_lehmann_brute(NO_TIES, 0.95))

# --- Mann-Whitney U ------------------------------------------------------------------
X = [0.31, 0.35, 0.29, 0.40, 0.33, 0.37, 0.30]
Y = [0.36, 0.42, 0.39, 0.34, 0.45, 0.41, 0.38, 0.44, 0.43]
XT = [1.0, 2.0, 2.0, 3.0, 5.0]
YT = [2.0, 3.0, 4.0, 4.0, 6.0, 7.0]

print("\n# mannwhitneyu")
r = st.mannwhitneyu(X, Y, method="exact")
print("exact X Y", r.statistic, repr(r.pvalue))
r = st.mannwhitneyu(X, Y, method="asymptotic", use_continuity=True)
print("asymptotic X Y", r.statistic, repr(r.pvalue))
r = st.mannwhitneyu(XT, YT, method=st.PermutationMethod())
print("permutation XT YT", r.statistic, repr(r.pvalue))
r = st.mannwhitneyu(XT, YT, method="asymptotic", use_continuity=True)
print("asymptotic XT YT", r.statistic, repr(r.pvalue))
fx, fy = formula_pair(40, 35)
r = st.mannwhitneyu(fx, fy, method="asymptotic", use_continuity=True)
print("asymptotic formula_pair(40, 35)", r.statistic, repr(r.pvalue))
fx, fy = formula_pair(12, 15)
r = st.mannwhitneyu(fx, fy, method="exact")
print("exact formula_pair(12, 15)", r.statistic, repr(r.pvalue))


def shift_brute(x, y, confidence):
    """HL shift of y - x and its interval from the exact null distribution of U,
    counted over every subset of ranks."""
    n1, n2 = len(x), len(y)
    diffs = sorted(b - a for a in x for b in y)
    counts = {}
    for subset in itertools.combinations(range(1, n1 + n2 + 1), n1):
        u = sum(subset) - n1 * (n1 + 1) // 2
        counts[u] = counts.get(u, 0) + 1
    total = math.comb(n1 + n2, n1)
    tail = (1 - confidence) / 2
    cumulative, c = 0, None
    for u in sorted(counts):
        cumulative += counts[u]
        if cumulative / total <= tail:
            c = u
        else:
            break
    k = c + 1
    return float(np.median(diffs)), diffs[k - 1], diffs[len(diffs) - k], k


print("HL shift X Y 95%", shift_brute(X, Y, 0.95))

# --- Benjamini-Hochberg --------------------------------------------------------------
P = [0.01, 0.04, 0.03, 0.005, 0.2, 0.9, 0.04, 0.0001]
print("\n# BH")
print("false_discovery_control", [repr(q) for q in st.false_discovery_control(P, method="bh")])

# --- The median and its interval -----------------------------------------------------
print("\n# median interval")
for n in [5, 6, 10, 43]:
    # Largest k with P(B <= k - 1) <= 0.025, B ~ Binomial(n, 1/2).
    k = max([k for k in range(1, n + 1) if st.binom.cdf(k - 1, n, 0.5) <= 0.025], default=None)
    print("n", n, "k", k)

# --- Shape ---------------------------------------------------------------------------
print("\n# shape")
S = [1.0, 1.1, 0.9, 1.05, 0.95, 2.0, 2.1, 1.9, 2.05, 1.95, 1.02, 2.02]
n = len(S)
g = st.skew(S, bias=False)
k = st.kurtosis(S, bias=False)
print("skew", repr(g), "kurtosis", repr(k),
      "bimodality coefficient", repr((g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))))
