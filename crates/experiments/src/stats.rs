//! The statistics of the report's error rates: a confidence interval for an
//! error rate measured on n test examples, and a test of whether two networks'
//! error rates differ, as the paper's Table 1 marks its significant differences.

/// The significance level of the paper's Table 1.
pub const ALPHA: f64 = 0.005;

/// Φ(x), the standard normal distribution function, from erfc.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// erfc(x), by the Chebyshev fit of Numerical Recipes (`erfcc`): relative error
/// below 1.2e-7 everywhere, enough for p-values.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * poly.exp();
    if x >= 0.0 {
        value
    } else {
        2.0 - value
    }
}

/// The 95% Wilson score interval of an error rate `p` measured on `n` examples.
pub fn wilson_interval(p: f64, n: usize) -> (f64, f64) {
    let z: f64 = 1.959_963_985;
    let n = n.max(1) as f64;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The two-sided p-value of the two-proportion z-test of error rates `p1` on
/// `n1` and `p2` on `n2` examples (pooled variance). Both networks are
/// evaluated on the same test set, so their errors are correlated; treating
/// them as independent makes the test conservative when they are positively
/// correlated, as networks trained on the same task are.
pub fn two_proportion_p_value(p1: f64, n1: usize, p2: f64, n2: usize) -> f64 {
    let (n1, n2) = (n1.max(1) as f64, n2.max(1) as f64);
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return if p1 == p2 { 1.0 } else { 0.0 };
    }
    let z = (p1 - p2).abs() / se;
    (2.0 * (1.0 - normal_cdf(z))).clamp(0.0, 1.0)
}

/// What a test says of the ordering "a < b".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ordering {
    /// a < b, significant at [`ALPHA`].
    Holds(f64),
    /// a > b, significant at [`ALPHA`].
    Reversed(f64),
    /// The difference is within the noise of the test set.
    NotSignificant(f64),
}

/// Tests "error `a` (on `na` examples) < error `b` (on `nb`)".
pub fn ordering(a: f64, na: usize, b: f64, nb: usize) -> Ordering {
    let p = two_proportion_p_value(a, na, b, nb);
    if p >= ALPHA {
        Ordering::NotSignificant(p)
    } else if a < b {
        Ordering::Holds(p)
    } else {
        Ordering::Reversed(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_distribution_function_matches_its_table() {
        for (x, phi) in
            [(0.0, 0.5), (1.0, 0.841_344_746), (1.959_964, 0.975), (-2.575_829, 0.005), (3.0, 0.998_650_102)]
        {
            assert!((normal_cdf(x) - phi).abs() < 1e-6, "Φ({x}) = {} ≠ {phi}", normal_cdf(x));
        }
    }

    #[test]
    fn wilson_intervals_contain_the_rate_and_shrink_with_n() {
        let (lo, hi) = wilson_interval(0.4, 3000);
        assert!(lo < 0.4 && 0.4 < hi && (hi - lo - 2.0 * 1.96 * (0.24f64 / 3000.0).sqrt()).abs() < 1e-3);
        let (lo2, hi2) = wilson_interval(0.4, 30_000);
        assert!(hi2 - lo2 < (hi - lo) / 3.0);
        assert_eq!(wilson_interval(0.0, 100).0, 0.0);
    }

    #[test]
    fn the_two_proportion_test_separates_signal_from_noise() {
        // 40% vs 42% on 3,000 each: z ≈ 1.58, p ≈ 0.11 — noise at the paper's level.
        let p = two_proportion_p_value(0.40, 3000, 0.42, 3000);
        assert!((p - 0.1142).abs() < 2e-3, "{p}");
        assert!(matches!(ordering(0.40, 3000, 0.42, 3000), Ordering::NotSignificant(_)));
        assert!(matches!(ordering(0.30, 20_000, 0.33, 20_000), Ordering::Holds(p) if p < 1e-9));
        assert!(matches!(ordering(0.33, 20_000, 0.30, 20_000), Ordering::Reversed(_)));
        assert!(
            two_proportion_p_value(0.5, 10, 0.5, 10) > 0.9999,
            "equal rates: no evidence of a difference"
        );
    }
}
