#!/usr/bin/python3
"""Independent reference values for tolsim::stats (proportion, continuous, survival).

Every expected number in tests/unit/test_stats_{proportion,continuous,survival}.cpp is printed by this script;
each printed line names the call that produced it, and the tests quote that label next to the number.

    /usr/bin/python3 tests/reference/stats_reference.py

Requires Debian's python3-scipy (scipy 1.10) and numpy. statsmodels is not available, and scipy 1.10 has neither
Wilson/Newcombe intervals, a Kaplan-Meier estimator nor a log-rank test, so:
  - Wilson and Newcombe are written here from their formulas (Wilson 1927; Newcombe 1998, Stat Med 17:873,
    method 10) with the normal quantile from scipy.stats.norm.ppf;
  - Kaplan-Meier and the log-rank test are written here in vectorised numpy (masks over all subjects at each
    event time), a different code path from tolsim's sorted single sweep;
and each is also checked against a published example (asserted below, so the script fails if they disagree):
  - Newcombe 1998, Table II: 56/70 vs 48/80 -> 0.0524 to 0.3339; 9/10 vs 3/10 -> 0.1705 to 0.8090 (method 10),
  - Freireich et al. 1963 (Blood 21:699) 6-MP vs placebo remission data, as tabulated in Kleinbaum & Klein,
    Survival Analysis: log-rank chi-square 16.79 (R survival::survdiff prints "Chisq= 16.8", observed/expected
    9/19.3 for 6-MP and 21/10.7 for placebo); Stata's sts list for the placebo group at week 1:
    S = 0.9048, 95% CI 0.6700 to 0.9753 (log-log).
Fisher, Pearson chi-square, Student t and Welch values come straight from scipy.stats.
"""
import math
import warnings

import numpy as np
from scipy import stats


def show(label, *values):
    print(label + ": " + ", ".join(f"{v:.17g}" if isinstance(v, float) else str(v) for v in values))


# ----------------------------------------------------------------------------------------------- proportions

def wilson(x, n, conf=0.95):
    """Wilson score interval, by formula (scipy has none)."""
    z = stats.norm.ppf(0.5 + conf / 2)
    p = x / n
    centre = (x + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(x * (n - x) / n + z * z / 4)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1, n1, x2, n2, conf=0.95):
    """Newcombe's hybrid score interval for p1 - p2 (method 10), by formula."""
    p1, l1, u1 = wilson(x1, n1, conf)
    p2, l2, u2 = wilson(x2, n2, conf)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def chi_square(x1, n1, x2, n2):
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    res = stats.chi2_contingency(table, correction=False)
    return float(res[0]), float(res[1])


def proportions():
    print("# proportion")
    for x, n, conf in [(0, 10, 0.95), (10, 10, 0.95), (7, 20, 0.95), (7, 20, 0.90), (7, 20, 0.99),
                       (1, 1000, 0.95), (56, 70, 0.95), (48, 80, 0.95)]:
        show(f"wilson({x}, {n}, {conf})", *wilson(x, n, conf))

    # Published check of the formula code above (Newcombe 1998, Table II, method 10, 4 decimals).
    for (x1, n1, x2, n2), (lo, hi) in [((56, 70, 48, 80), (0.0524, 0.3339)), ((9, 10, 3, 10), (0.1705, 0.8090))]:
        _, l, u = newcombe(x1, n1, x2, n2)
        assert abs(l - lo) < 5e-5 and abs(u - hi) < 5e-5, (x1, n1, x2, n2, l, u)

    for x1, n1, x2, n2, conf in [(56, 70, 48, 80, 0.95), (9, 10, 3, 10, 0.95), (0, 15, 6, 15, 0.95),
                                 (120, 400, 90, 400, 0.90), (3, 12, 3, 12, 0.95)]:
        show(f"newcombe({x1}, {n1}, {x2}, {n2}, {conf})", *newcombe(x1, n1, x2, n2, conf))
        p_fisher = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
        show(f"fisher_exact([[{x1}, {n1 - x1}], [{x2}, {n2 - x2}]]).pvalue", float(p_fisher))
        show(f"chi2_contingency([[{x1}, {n1 - x1}], [{x2}, {n2 - x2}]], correction=False) stat, p",
             *chi_square(x1, n1, x2, n2))

    # More Fisher tables: scipy's documentation example, a symmetric table (ties with the observed probability),
    # a lopsided one and a large one.
    for table in ([[8, 2], [1, 5]], [[3, 1], [1, 3]], [[0, 5], [5, 0]], [[1, 9], [11, 3]],
                  [[2000, 1000], [1900, 1100]]):
        show(f"fisher_exact({table}).pvalue", float(stats.fisher_exact(table).pvalue))

    # power() of p = [0.01, 0.2, 0.03, 0.049, 0.05, 0.5, 0.001, 0.07]: 4/8 are < 0.05 (0.05 itself is not), 6/8 < 0.1.
    show("power: wilson(4, 8, 0.95)", *wilson(4, 8, 0.95))
    show("power alpha 0.1: wilson(6, 8, 0.95)", *wilson(6, 8, 0.95))


# ------------------------------------------------------------------------------------------------ continuous

A = np.array([5.1, 4.9, 6.2, 5.8, 6.0, 5.5, 5.3, 6.1])
B = np.array([4.2, 4.8, 5.0, 4.4, 4.9, 4.6])
C = np.array([5.0, 5.0, 5.0, 5.0])  # zero variance
D = np.array([4.8, 5.0, 5.7, 5.9, 5.4, 5.6, 4.9, 5.5])  # the same 8 subjects as A, under another treatment


def summary(x, conf):
    n = len(x)
    mean = float(np.mean(x))
    sd = float(np.std(x, ddof=1))
    lo, hi = stats.t.interval(conf, n - 1, loc=mean, scale=sd / math.sqrt(n))
    return mean, sd, float(lo), float(hi)


def welch(a, b, conf):
    """scipy.stats.ttest_ind(equal_var=False) for t and p; scipy 1.10 returns no df or CI, so the
    Welch-Satterthwaite df and the interval are written here and cross-checked against scipy's p."""
    with warnings.catch_warnings():
        # scipy warns about precision loss for the constant sample C; its variance is exactly 0 all the same.
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_ind(a, b, equal_var=False)
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    diff = float(np.mean(a) - np.mean(b))
    q = stats.t.ppf(0.5 + conf / 2, df)
    assert abs(2 * stats.t.sf(abs(diff / se), df) - res.pvalue) < 1e-14
    return diff, float(diff - q * se), float(diff + q * se), float(res.statistic), float(df), float(res.pvalue)


def paired(a, b, conf):
    """scipy.stats.ttest_rel for t and p; the interval is the t interval of the mean difference."""
    res = stats.ttest_rel(a, b)
    d = a - b
    n = len(d)
    diff = float(np.mean(d))
    lo, hi = stats.t.interval(conf, n - 1, loc=diff, scale=float(np.std(d, ddof=1)) / math.sqrt(n))
    return diff, float(lo), float(hi), float(res.statistic), float(n - 1), float(res.pvalue)


def continuous():
    print("# continuous")
    show("A", *map(float, A))
    show("B", *map(float, B))
    show("summary(A, 0.95): mean, sd (ddof=1), t.interval", *summary(A, 0.95))
    show("summary(A, 0.90): mean, sd (ddof=1), t.interval", *summary(A, 0.90))
    show("summary(B, 0.99): mean, sd (ddof=1), t.interval", *summary(B, 0.99))
    show("welch(A, B, 0.95): diff, lo, hi, t, df, p", *welch(A, B, 0.95))
    show("welch(B, A, 0.90): diff, lo, hi, t, df, p", *welch(B, A, 0.90))
    show("welch(A, C, 0.95): diff, lo, hi, t, df, p", *welch(A, C, 0.95))
    show("D", *map(float, D))
    show("paired(A, D, 0.95): diff, lo, hi, t, df, p", *paired(A, D, 0.95))
    show("paired(D, A, 0.90): diff, lo, hi, t, df, p", *paired(D, A, 0.90))
    q_values = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    for q in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
        show(f"np.quantile([3,1,4,1,5,9,2,6], {q})", float(np.quantile(q_values, q)))
    show("np.quantile([7.5], 0.3)", float(np.quantile([7.5], 0.3)))


# -------------------------------------------------------------------------------------------------- survival

# Freireich et al. 1963, remission weeks; event 1 = relapse, 0 = censored (Kleinbaum & Klein's "remission" data).
MP_TIME = [6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
MP_EVENT = [1] * 9 + [0] * 12
PLACEBO_TIME = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
PLACEBO_EVENT = [1] * 21


def kaplan_meier(time, event, conf=0.95):
    """Vectorised KM: at each distinct event time, masks over all subjects (events before censorings at ties)."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    z = stats.norm.ppf(0.5 + conf / 2)
    ts = np.unique(time[event])
    at_risk = np.array([np.sum(time >= t) for t in ts])
    d = np.array([np.sum((time == t) & event) for t in ts])
    s = np.cumprod(1.0 - d / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(d / (at_risk * (at_risk - d)))
        se = np.sqrt(greenwood) / np.abs(np.log(s))
        lower = s ** np.exp(z * se)
        upper = s ** np.exp(-z * se)
    lower[s == 0.0] = np.nan
    upper[s == 0.0] = np.nan
    below = np.nonzero(s <= 0.5)[0]
    median = float(ts[below[0]]) if len(below) else float("nan")
    return (np.concatenate([[0.0], ts]), np.concatenate([[1.0], s]), np.concatenate([[1.0], lower]),
            np.concatenate([[1.0], upper]), np.concatenate([[len(time)], at_risk]), np.concatenate([[0], d]),
            median)


def log_rank(time, event, group):
    """k-group log-rank by numpy: observed-minus-expected vector and hypergeometric covariance at each event
    time, chi-square = U' V^+ U on the first k-1 groups (pseudo-inverse), df = rank."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    group = np.asarray(group)
    labels = np.unique(group)
    k = len(labels)
    u = np.zeros(k)
    v = np.zeros((k, k))
    for t in np.unique(time[event]):
        risk = time >= t
        n_j = np.array([np.sum(risk & (group == g)) for g in labels], float)
        d_j = np.array([np.sum(risk & (time == t) & event & (group == g)) for g in labels], float)
        n, d = n_j.sum(), d_j.sum()
        u += d_j - d * n_j / n
        if n > 1:
            w = d * (n - d) / (n * n * (n - 1))
            v += w * (n * np.diag(n_j) - np.outer(n_j, n_j))
    u1, v1 = u[:-1], v[:-1, :-1]
    chi = float(u1 @ np.linalg.pinv(v1) @ u1)
    df = int(np.linalg.matrix_rank(v1))
    return chi, df, float(stats.chi2.sf(chi, df)), u


def show_km(label, km):
    ts, s, lo, hi, at_risk, d, median = km
    show(label + " time", *map(float, ts))
    show(label + " survival", *map(float, s))
    show(label + " lower", *map(float, lo))
    show(label + " upper", *map(float, hi))
    show(label + " at_risk", *map(int, at_risk))
    show(label + " events", *map(int, d))
    show(label + " median", median)


def survival():
    print("# survival")
    km_placebo = kaplan_meier(PLACEBO_TIME, PLACEBO_EVENT)
    km_mp = kaplan_meier(MP_TIME, MP_EVENT)
    # Published checks (Stata sts list of the Gehan data, placebo group, week 1).
    assert abs(km_placebo[1][1] - 0.9048) < 5e-5
    assert abs(km_placebo[2][1] - 0.6700) < 5e-5 and abs(km_placebo[3][1] - 0.9753) < 5e-5
    show_km("km(placebo, 0.95)", km_placebo)
    show_km("km(6-MP, 0.95)", km_mp)
    show_km("km(6-MP, 0.90)", kaplan_meier(MP_TIME, MP_EVENT, 0.90))

    # Ties between an event and censorings at the same time: events first (censored subjects still at risk).
    tie_time = [1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0]
    tie_event = [1, 0, 0, 1, 1, 0, 1]
    show_km("km(ties: t=[1,1,1,2,3,3,4], e=[1,0,0,1,1,0,1], 0.95)", kaplan_meier(tie_time, tie_event))

    chi, df, p, u = log_rank(MP_TIME + PLACEBO_TIME, MP_EVENT + PLACEBO_EVENT, [0] * 21 + [1] * 21)
    # Published check: Kleinbaum & Klein log-rank 16.79; R survdiff observed - expected = 9 - 19.3.
    assert abs(chi - 16.79) < 5e-3 and abs(u[0] - (9 - 19.3)) < 0.05
    show("log_rank(Freireich 6-MP=0 vs placebo=1): chi2, df, p", chi, df, p)
    # A third group whose subjects are all censored before the first event adds nothing: same chi2, df 1.
    chi, df, p, _ = log_rank(MP_TIME + PLACEBO_TIME + [0.5, 0.5], MP_EVENT + PLACEBO_EVENT + [0, 0],
                             [0] * 21 + [1] * 21 + [9, 9])
    show("log_rank(Freireich + group 9 censored at 0.5): chi2, df, p", chi, df, p)

    # Three groups with ties and censoring; group 7 is listed first to show labels need not be 0..k-1.
    t3 = [2, 3, 3, 5, 8, 8, 9, 12, 1, 2, 2, 4, 4, 6, 7, 10, 3, 5, 6, 6, 9, 11, 14, 15]
    e3 = [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0]
    g3 = [7] * 8 + [2] * 8 + [5] * 8
    show("t3", *t3)
    show("e3", *e3)
    show("g3", *g3)
    chi, df, p, _ = log_rank(t3, e3, g3)
    show("log_rank(t3, e3, g3): chi2, df, p", chi, df, p)


if __name__ == "__main__":
    proportions()
    continuous()
    survival()
