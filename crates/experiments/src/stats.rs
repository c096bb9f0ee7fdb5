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

/// Mean and sample standard deviation (0 for a single value).
pub fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Tests "a < b" over training runs: `differences` holds b − a for each seed
/// (both networks trained from that seed), and a one-sample t-test, two-sided,
/// asks whether their mean differs from 0 at [`ALPHA`]. `None` with fewer than
/// two seeds. Few seeds make a weak test: with three, only differences whose
/// spread is a small fraction of their mean come out significant.
pub fn seed_ordering(differences: &[f64]) -> Option<Ordering> {
    if differences.len() < 2 || differences.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let (mean, sd) = mean_and_sd(differences);
    let df = (differences.len() - 1) as f64;
    let p = if sd == 0.0 {
        if mean == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        let t = mean / (sd / (differences.len() as f64).sqrt());
        student_t_two_sided(t, df)
    };
    Some(if p >= ALPHA {
        Ordering::NotSignificant(p)
    } else if mean > 0.0 {
        Ordering::Holds(p)
    } else {
        Ordering::Reversed(p)
    })
}

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_x(df/2, 1/2)
/// with x = df / (df + t²).
pub fn student_t_two_sided(t: f64, df: f64) -> f64 {
    incomplete_beta(df / (df + t * t), df / 2.0, 0.5).clamp(0.0, 1.0)
}

/// The regularized incomplete beta function I_x(a, b), by its continued
/// fraction (modified Lentz), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
/// where the fraction converges slowly.
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / if d.abs() < TINY { TINY } else { d };
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            d = 1.0 / if d.abs() < TINY { TINY } else { d };
            c = 1.0 + numerator / c;
            c = if c.abs() < TINY { TINY } else { c };
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-14 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0, by the Lanczos approximation (g = 7, 9 terms).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum: f64 = G[0] + G[1..].iter().enumerate().map(|(i, g)| g / (x + i as f64 + 1.0)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
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
    fn student_t_matches_its_table() {
        // Quantiles from the table: t(0.975; 2) = 4.303, t(0.995; 2) = 9.925,
        // t(0.9975; 2) = 14.089, t(0.975; 10) = 2.228, t(0.995; 1) = 63.657;
        // and t = 0 gives p = 1.
        let table = [
            (4.303, 2.0, 0.05),
            (9.925, 2.0, 0.01),
            (14.089, 2.0, 0.005),
            (2.228, 10.0, 0.05),
            (63.657, 1.0, 0.01),
        ];
        for (t, df, p) in table {
            let got = student_t_two_sided(t, df);
            assert!((got - p).abs() < 0.01 * p, "t = {t}, df = {df}: p = {got}, table {p}");
        }
        assert!((student_t_two_sided(0.0, 3.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn seed_orderings_need_consistent_differences() {
        assert_eq!(seed_ordering(&[0.05]), None, "one seed gives no spread");
        assert!(matches!(seed_ordering(&[0.05, 0.051, 0.049]), Some(Ordering::Holds(p)) if p < ALPHA));
        assert!(matches!(seed_ordering(&[-0.05, -0.051, -0.049]), Some(Ordering::Reversed(_))));
        assert!(matches!(seed_ordering(&[0.05, -0.01, 0.02]), Some(Ordering::NotSignificant(_))));
        assert_eq!(seed_ordering(&[0.01, f64::NAN]), None);
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
