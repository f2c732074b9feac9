#!/usr/bin/python3
"""Reference values for tests/unit/stats_test.cpp, computed with Debian's scipy (independent of tolsim).

Run: /usr/bin/python3 tests/reference/stats_crosscheck.py
Every number the C++ test uses is printed here with the call that produced it.
"""
import numpy as np
import scipy
from scipy import stats

print("scipy", scipy.__version__)

# Wilson score intervals: scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')
for k, n in [(56, 70), (48, 80), (0, 10), (10, 10), (7, 23)]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    print(f"wilson {k}/{n}: {ci.low:.12g} {ci.high:.12g}")

# Fisher exact, two-sided: scipy.stats.fisher_exact([[a, b], [c, d]])
for table in [[[56, 14], [48, 32]], [[3, 1], [1, 3]], [[20, 0], [10, 0]], [[9, 11], [2, 18]]]:
    print(f"fisher {table}: {stats.fisher_exact(table)[1]:.12g}")

# Pearson chi-square without continuity correction: scipy.stats.chi2_contingency(table, correction=False)
for table in [[[56, 14], [48, 32]], [[9, 11], [2, 18]]]:
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    print(f"chi2 {table}: chi2={chi2:.12g} p={p:.12g}")

# Summary with t interval: numpy mean, std(ddof=1), scipy.stats.t.interval(0.95, n-1, loc=mean, scale=sem)
a = np.array([5.1, 4.9, 6.2, 5.8, 6.0, 5.5, 4.7, 5.3])
b = np.array([4.1, 4.5, 3.9, 5.0, 4.4, 4.8, 4.2, 3.6, 4.9, 4.0])
ci = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
print(f"summary a: mean={a.mean():.12g} sd={a.std(ddof=1):.12g} ci={ci[0]:.12g} {ci[1]:.12g}")

# Welch: scipy.stats.ttest_ind(a, b, equal_var=False); df by Welch-Satterthwaite; CI with scipy.stats.t.ppf
t, p = stats.ttest_ind(a, b, equal_var=False)
va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
d = a.mean() - b.mean()
print(f"welch: t={t:.12g} p={p:.12g} df={df:.12g} ci={d - half:.12g} {d + half:.12g}")

# Quantiles, numpy default (linear, R type 7): numpy.quantile(a, q)
for q in [0.025, 0.5, 0.9]:
    print(f"quantile a {q}: {np.quantile(a, q):.12g}")

# Log-rank for the Freireich 6-MP data, written out here in numpy (scipy 1.10 has no log-rank): at each distinct
# event time, O - E and the hypergeometric variance, summed; chi2 = (O - E)^2 / V.
mp_t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
mp_e = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
pl_t = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
pl_e = [1] * 21
t_all = np.array(mp_t + pl_t, float)
e_all = np.array(mp_e + pl_e)
g_all = np.array([0] * 21 + [1] * 21)
o_minus_e, var = 0.0, 0.0
for time in np.unique(t_all[e_all == 1]):
    at_risk = t_all >= time
    n, n1 = at_risk.sum(), (at_risk & (g_all == 0)).sum()
    dead = (t_all == time) & (e_all == 1)
    d, d1 = dead.sum(), (dead & (g_all == 0)).sum()
    o_minus_e += d1 - d * n1 / n
    var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
chi2 = o_minus_e ** 2 / var
print(f"logrank 6-MP vs placebo: chi2={chi2:.12g} p={stats.chi2.sf(chi2, 1):.12g}")
