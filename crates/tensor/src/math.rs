//! A tanh, a sigmoid and an exponential for f32 that the compiler can vectorize.
//!
//! libm's `tanhf` is a scalar call (about 15 ns per element here, through
//! `expm1f`), and in the paper's tanh networks it was a sixth of a training
//! step. This one is straight-line arithmetic — no calls, no branches — so a
//! loop over a slice becomes SIMD code, and it stays within 2 ulp of the
//! exact value (the tests sweep f32 against f64's tanh).
//!
//! * |x| < 0.4: the odd Taylor series x − x³/3 + 2x⁵/15 − … through x¹³ (the
//!   first omitted term is below 10⁻⁸ of x there);
//! * |x| ≥ 0.4: (1 − e)/(1 + e) with e = e^(−2|x|) ≤ 0.45, so 1 − e does not
//!   cancel; e comes from a range-reduced exponential below;
//! * both are computed and one is selected, the sign is put back, and NaN stays NaN.
//!
//! The exponential below serves the whole f32 range (libm's `expf` was 6 % of
//! a training step of Nielsen's sigmoid network, through the sigmoid and the
//! softmax), and the sigmoid is built on it the same branch-free way.

/// tanh(x) in f32, within 2 ulp (measured over 11 million points); see the module docs.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let small = odd_series(a);
    // tanh(9) rounds to 1 in f32; clamping keeps e^(−2a) a normal number.
    let e = exp_f32(-2.0 * a.min(9.0));
    let large = (1.0 - e) / (1.0 + e);
    let t = if a < 0.4 { small } else { large };
    if x.is_nan() {
        x
    } else {
        t.copysign(x)
    }
}

/// tanh's Taylor series at 0 through x¹³, for 0 ≤ a < 0.4.
#[inline(always)]
fn odd_series(a: f32) -> f32 {
    const C3: f32 = -1.0 / 3.0;
    const C5: f32 = 2.0 / 15.0;
    const C7: f32 = -17.0 / 315.0;
    const C9: f32 = 62.0 / 2835.0;
    const C11: f32 = -1382.0 / 155_925.0;
    const C13: f32 = 21_844.0 / 6_081_075.0;
    let a2 = a * a;
    let tail = C3 + a2 * (C5 + a2 * (C7 + a2 * (C9 + a2 * (C11 + a2 * C13))));
    a + a * a2 * tail
}

/// σ(x) = 1/(1 + e^(−x)) in f32, within 2 ulp: with e = e^(−|x|) in (0, 1],
/// σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0, so nothing overflows;
/// both numerators are formed and one selected, branch-free like tanh above.
#[inline(always)]
pub(crate) fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_f32(-x.abs());
    let numerator = if x >= 0.0 { 1.0 } else { e };
    let s = numerator / (1.0 + e);
    if x.is_nan() {
        x
    } else {
        s
    }
}

/// σ(x) in f64, by the same two branches (libm's exp is exact enough here).
#[inline]
pub(crate) fn sigmoid_f64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// e^y in f32, within 1 ulp, for every y: y = n·ln 2 + r with |r| ≤ ln 2 / 2,
/// e^r by its Taylor series through r⁷ (error below 10⁻⁸), and 2ⁿ applied as
/// two powers of two, so that the subnormal results (n down to −150) and the
/// overflow to ∞ (n = 128) come out as libm's do. Straight-line code: a loop
/// over a slice vectorizes, where libm's `expf` is a call per element.
#[inline(always)]
pub(crate) fn exp_f32(y: f32) -> f32 {
    // ln 2 split in two so n·LN2_HI is exact for |n| < 2⁹.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer, branch-free.
    const ROUND: f32 = 12_582_912.0;
    // e^−104 rounds to 0 and e^89 to ∞: clamping keeps n in −150..=128.
    let y_in_range = y.clamp(-104.0, 89.0);
    let shifted = y_in_range * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (y_in_range - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for c in [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = p * r + c;
    }
    // n as an integer, read from the low bits of ROUND + n (whose exponent is
    // ROUND's): `n as i32` would check every lane for NaN and out-of-range one
    // at a time, which undoes the vectorization of the whole function.
    let n = shifted.to_bits() as i32 - ROUND.to_bits() as i32;
    // 2ⁿ = 2^half · 2^(n − half), both normal numbers; only the last product rounds.
    let half = n >> 1;
    let power_of_two = |k: i32| f32::from_bits(((k + 127) as u32) << 23);
    let e = p * power_of_two(half) * power_of_two(n - half);
    if y.is_nan() {
        y
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite f32 of one sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn tanh_is_within_two_ulp_of_the_exact_value_everywhere() {
        // |x| < 12 (about 11 million values): past 9 tanh rounds to ±1.
        let (d, x) = worst_ulps(12.0, tanh_f32, f64::tanh);
        assert!(d <= 2, "{d} ulp at x = {x:e}");
    }

    #[test]
    fn tanh_special_values() {
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh_f32(1e30), 1.0);
        assert_eq!(tanh_f32(-1e-30), -1e-30);
        assert_eq!(tanh_f32(f32::MIN_POSITIVE / 4.0), f32::MIN_POSITIVE / 4.0);
        assert!(tanh_f32(f32::NAN).is_nan());
    }

    /// The worst distance in ulp of `f` from `exact` (computed in f64) over
    /// every 97th f32 of both signs with magnitude below `limit`, and where.
    fn worst_ulps(limit: f32, f: impl Fn(f32) -> f32, exact: impl Fn(f64) -> f64) -> (u32, f32) {
        let mut worst = (0u32, 0.0f32);
        let mut bits = 0u32;
        while f32::from_bits(bits) < limit {
            let x = f32::from_bits(bits);
            for x in [x, -x] {
                let d = ulps(f(x), exact(x as f64) as f32);
                if d > worst.0 {
                    worst = (d, x);
                }
            }
            bits += 97;
        }
        worst
    }

    #[test]
    fn exp_is_within_one_ulp_of_the_exact_value_down_to_the_subnormals() {
        // |y| < 104: results from the subnormals up to the overflow to ∞.
        let (d, x) = worst_ulps(104.0, exp_f32, f64::exp);
        assert!(d <= 1, "{d} ulp at y = {x:e}");
    }

    #[test]
    fn exp_special_values() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-0.0), 1.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-1e30), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(88.8), f32::INFINITY);
        assert_eq!(exp_f32(88.7), 88.7f32.exp());
        assert_eq!(exp_f32(-103.0), (-103.0f32).exp(), "a subnormal result");
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(exp_f32(-f32::NAN).is_nan(), "a NaN with its sign bit set");
    }

    #[test]
    fn sigmoid_is_within_two_ulp_of_the_exact_value_everywhere() {
        // |x| < 110: past −104 the exact value rounds to 0, past 17 to 1.
        let (d, x) = worst_ulps(110.0, sigmoid_f32, |x| 1.0 / (1.0 + (-x).exp()));
        assert!(d <= 2, "{d} ulp at x = {x:e}");
    }

    #[test]
    fn sigmoid_special_values() {
        assert_eq!(sigmoid_f32(0.0), 0.5);
        assert_eq!(sigmoid_f32(f32::INFINITY), 1.0);
        assert_eq!(sigmoid_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(sigmoid_f32(1e30), 1.0);
        assert_eq!(sigmoid_f32(-1e30), 0.0);
        assert!(sigmoid_f32(f32::NAN).is_nan());
        assert_eq!(sigmoid_f32(-100.0), (-100.0f64).exp() as f32, "a subnormal result");
    }
}
