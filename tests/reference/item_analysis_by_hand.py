"""Independent check of the hand-worked item-analysis examples in crates/irt/src/analysis.rs.

Plain Python, no project code. Run: python3 tests/reference/item_analysis_by_hand.py
Its output is kept in item_analysis_by_hand.out.
"""
import math

# Mantel-Haenszel on two strata: (A, B, C, D) = ref right, ref wrong, focal right, focal wrong.
strata = [(10, 10, 5, 15), (20, 5, 15, 10)]
R = S = sumA = sumE = sumV = PR = PSQR = QS = 0.0
for A, B, C, D in strata:
    N = A + B + C + D
    nR, nF, m1, m0 = A + B, C + D, A + C, B + D
    Rk, Sk = A * D / N, B * C / N
    Pk, Qk = (A + D) / N, (B + C) / N
    R += Rk; S += Sk
    PR += Pk * Rk; PSQR += Pk * Sk + Qk * Rk; QS += Qk * Sk
    sumA += A; sumE += nR * m1 / N; sumV += nR * nF * m1 * m0 / (N * N * (N - 1))
alpha = R / S
delta = -2.35 * math.log(alpha)
chi2 = (abs(sumA - sumE) - 0.5) ** 2 / sumV
var_ln = PR / (2 * R * R) + PSQR / (2 * R * S) + QS / (2 * S * S)
se_delta = 2.35 * math.sqrt(var_ln)
print(f"alpha_MH {alpha:.10f}")
print(f"delta_MH {delta:.10f}")
print(f"chi2_MH {chi2:.10f}")
print(f"se_delta {se_delta:.10f}")
print(f"(|delta|-1)/se {(abs(delta) - 1) / se_delta:.6f}  (C needs > 1.645; chi2 > 3.841 -> B)")

# Infit / outfit on three responses (P, u).
obs = [(0.8, 1), (0.5, 0), (0.2, 1)]
outfit = sum((u - p) ** 2 / (p * (1 - p)) for p, u in obs) / len(obs)
infit = sum((u - p) ** 2 for p, u in obs) / sum(p * (1 - p) for p, u in obs)
print(f"outfit {outfit:.10f}")
print(f"infit {infit:.10f}")
