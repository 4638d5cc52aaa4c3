//! The standard normal distribution: its upper tail, its CDF and its quantile function,
//! written out here rather than taken from a crate because the tests and the power
//! formulas need only these three functions, to about twelve significant digits.
//!
//! `erfc` uses two expansions, each where it converges without cancellation: for
//! `x < 2` the everywhere-positive series
//! `erf x = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))` and `erfc = 1 − erf`; for
//! `x ≥ 2` the continued fraction
//! `erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))`, evaluated with the
//! modified Lentz method. The quantile function starts from Acklam's rational
//! approximation (relative error about 1e-9) and polishes it with Halley steps on the
//! CDF above, so that it is as accurate as the CDF itself.

use std::f64::consts::{PI, SQRT_2};

/// The complementary error function, `1 − erf(x)`.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.0 {
        1.0 - erf_series(x)
    } else {
        erfc_continued_fraction(x)
    }
}

/// `erf(x)` for `0 ≤ x < 2` from the series whose terms are all positive, so that no
/// digits are lost to cancellation.
fn erf_series(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut n = 0.0;
    loop {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    2.0 / PI.sqrt() * (-x2).exp() * sum
}

/// `erfc(x)` for `x ≥ 2` from its continued fraction (modified Lentz).
fn erfc_continued_fraction(x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    // f = a1/(b1 + a2/(b2 + …)) with a1 = 1, a(k+1) = k/2, b(k) = x.
    let mut f = TINY;
    let mut c = f;
    let mut d = 0.0;
    for k in 1..2000 {
        let a = if k == 1 { 1.0 } else { (k - 1) as f64 / 2.0 };
        d = x + a * d;
        if d == 0.0 {
            d = TINY;
        }
        c = x + a / c;
        if c == 0.0 {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / PI.sqrt() * f
}

/// The standard normal CDF, `Φ(z)`.
pub fn cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// The standard normal upper tail, `1 − Φ(z)`, accurate far into the tail.
pub fn sf(z: f64) -> f64 {
    0.5 * erfc(z / SQRT_2)
}

/// The standard normal quantile function, `Φ⁻¹(p)`, for `0 < p < 1`.
pub fn quantile(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 || p >= 1.0 {
        return match p {
            0.0 => f64::NEG_INFINITY,
            1.0 => f64::INFINITY,
            _ => f64::NAN,
        };
    }
    let mut x = acklam(p);
    // Halley's method on Φ(x) − p; two steps take Acklam's 1e-9 to the CDF's accuracy.
    for _ in 0..2 {
        let error = if x < 0.0 {
            cdf(x) - p
        } else {
            (1.0 - p) - sf(x)
        };
        let u = error * (2.0 * PI).sqrt() * (x * x / 2.0).exp();
        x -= u / (1.0 + x * u / 2.0);
    }
    x
}

/// The quantile of Student's t distribution with `dof` degrees of freedom, from the
/// normal quantile by the Cornish–Fisher expansion (Abramowitz and Stegun 26.7.5). It
/// only plans sample sizes, where its error — under 0.1 % from 8 degrees of freedom
/// on, for the quantiles planning uses — does not matter.
pub fn student_t_quantile(p: f64, dof: f64) -> f64 {
    let z = quantile(p);
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    z + g1 / dof + g2 / dof.powi(2) + g3 / dof.powi(3) + g4 / dof.powi(4)
}

/// Acklam's rational approximation of the normal quantile.
fn acklam(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    const LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, relative: f64) -> bool {
        if expected == 0.0 {
            return actual.abs() < 1e-300;
        }
        ((actual - expected) / expected).abs() <= relative
    }

    /// (x, erfc(x), Φ(x)) from scipy 1.17.1: `scipy.special.erfc(x)`,
    /// `scipy.stats.norm.cdf(x)` (xtask/tests/stats/scipy_reference.py).
    const ERFC_CDF: [(f64, f64, f64); 18] = [
        (-8.0, 2.0, 6.22096057427174e-16),
        (-5.0, 1.9999999999984626, 2.866515718791933e-07),
        (-3.0, 1.9999779095030015, 0.0013498980316300933),
        (-2.5, 1.999593047982555, 0.006209665325776132),
        (-1.96, 1.9944262754648279, 0.024997895148220435),
        (-1.0, 1.8427007929497148, 0.15865525393145707),
        (-0.3, 1.3286267594591274, 0.3820885778110474),
        (0.0, 1.0, 0.5),
        (0.5, 0.4795001221869535, 0.6914624612740131),
        (1.0, 0.15729920705028516, 0.8413447460685429),
        (1.6448536269514722, 0.020009253716118076, 0.95),
        (2.0, 0.004677734981047266, 0.9772498680518208),
        (2.5, 0.00040695201744495886, 0.9937903346742238),
        (2.575829303548901, 0.000269716956631483, 0.995),
        (3.0, 2.2090496998585445e-05, 0.9986501019683699),
        (4.0, 1.541725790028002e-08, 0.9999683287581669),
        (6.0, 2.1519736712498913e-17, 0.9999999990134123),
        (10.0, 2.0884875837625446e-45, 1.0),
    ];

    /// (p, Φ⁻¹(p)) from scipy 1.17.1: `scipy.stats.norm.ppf(p)` (same script).
    const QUANTILES: [(f64, f64); 14] = [
        (1e-12, -7.034483825301131),
        (1e-06, -4.753424308822899),
        (0.0005, -3.2905267314918945),
        (0.005, -2.575829303548901),
        (0.025, -1.9599639845400545),
        (0.05, -1.6448536269514729),
        (0.2, -0.8416212335729142),
        (0.5, 0.0),
        (0.8, 0.8416212335729143),
        (0.95, 1.6448536269514722),
        (0.975, 1.959963984540054),
        (0.995, 2.5758293035489004),
        (0.9995, 3.2905267314919255),
        (0.999999999, 5.997807019601637),
    ];

    #[test]
    fn erfc_and_cdf_match_scipy() {
        for (x, erfc_x, cdf_x) in ERFC_CDF {
            assert!(close(erfc(x), erfc_x, 1e-12), "erfc({x}) = {}", erfc(x));
            assert!(close(cdf(x), cdf_x, 1e-12), "cdf({x}) = {}", cdf(x));
            assert!(close(sf(-x), cdf_x, 1e-12), "sf({}) = {}", -x, sf(-x));
        }
    }

    #[test]
    fn student_t_quantile_is_close_to_scipy() {
        // scipy 1.17.1: scipy.stats.t.ppf(p, dof) (xtask/tests/stats/scipy_reference.py).
        for (p, dof, expected) in [
            (0.975, 8.0, 2.306004135204166),
            (0.975, 20.0, 2.085963447265864),
            (0.975, 100.0, 1.9839715185235518),
            (0.9975, 8.0, 3.8325186853443576),
            (0.9975, 12.0, 3.428444242292264),
            (0.9975, 50.0, 2.936964085303771),
        ] {
            let t = student_t_quantile(p, dof);
            assert!(
                close(t, expected, 2e-4),
                "t({p}, {dof}) = {t}, scipy {expected}"
            );
        }
    }

    #[test]
    fn quantile_matches_scipy_and_inverts_the_cdf() {
        for (p, z) in QUANTILES {
            let q = quantile(p);
            assert!(
                (q - z).abs() <= 1e-12 * z.abs().max(1.0),
                "quantile({p}) = {q}"
            );
        }
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            assert!(close(cdf(quantile(p)), p, 1e-13));
        }
    }
}
