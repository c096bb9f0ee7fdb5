//! The kernel plan: which instruction set the kernels run with, and which
//! path takes a matrix product. One place decides both, as matrixmultiply's
//! `detect()` does, so a test (or a user comparing machines) can force an
//! instruction set the CPU has and ask which kernel ran.
//!
//! * [`isa`] is the instruction set in force: the best this CPU has, unless
//!   the environment variable `GRADLAB_ISA` (`avx512`, `avx2` or `portable`,
//!   read once) or [`set_isa`] chose a lower one. `portable` is plain
//!   matrixmultiply and loops the compiler vectorizes for the baseline target
//!   — what a CPU that is not x86-64 gets.
//! * `choose` decides the path of one product from the element type, the
//!   instruction set, the shape and B's layout.
//! * [`last_path`] tells which path took the calling thread's last product.
//!
//! f32 results depend on the instruction set (kernels sum in different
//! orders), so a training run records the plan it ran with
//! ([`KernelPlan::current`]) and a resume can compare.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use crate::element::Element;
use crate::matmul::Operand;

/// An instruction set the kernels are built for, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Baseline code and matrixmultiply (which picks its own kernels).
    Portable,
    /// AVX2 and FMA: the generic kernels compiled for 256-bit vectors.
    Avx2,
    /// AVX-512F: the generic kernels compiled for 512-bit vectors, and the f32
    /// kernels written with intrinsics (small rows, rank update, packed GEMM).
    Avx512,
}

impl Isa {
    /// Every instruction set, lowest first.
    pub const ALL: [Isa; 3] = [Isa::Portable, Isa::Avx2, Isa::Avx512];

    /// Its name, as `GRADLAB_ISA` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// The instruction set named `name` (`avx512`, `avx2`, `portable`).
    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL.into_iter().find(|isa| isa.name() == name.trim().to_ascii_lowercase())
    }

    /// The best instruction set this CPU has.
    pub fn detected() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// The instruction sets this CPU can run, lowest first.
    pub fn supported() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|&isa| isa <= Isa::detected()).collect()
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// 0: nothing forced yet (read `GRADLAB_ISA` on first use); else 1 + the
/// forced set's index in [`Isa::ALL`].
static FORCED: AtomicU8 = AtomicU8::new(0);
static FROM_ENV: OnceLock<Isa> = OnceLock::new();

/// The instruction set the kernels run with now.
#[inline]
pub fn isa() -> Isa {
    match FORCED.load(Ordering::Relaxed) {
        0 => *FROM_ENV.get_or_init(from_env),
        i => Isa::ALL[i as usize - 1],
    }
}

/// `GRADLAB_ISA` if it names a set this CPU has; else the detected one. A
/// value that cannot be honoured is reported once on standard error (a
/// library should not panic on an environment variable).
fn from_env() -> Isa {
    let detected = Isa::detected();
    let Ok(value) = std::env::var("GRADLAB_ISA") else { return detected };
    match Isa::from_name(&value) {
        Some(isa) if isa <= detected => isa,
        Some(isa) => {
            eprintln!("gradlab: GRADLAB_ISA={value}: this CPU lacks {isa}; using {detected}");
            detected
        }
        None => {
            eprintln!("gradlab: GRADLAB_ISA={value}: not one of avx512, avx2, portable; using {detected}");
            detected
        }
    }
}

/// Forces the kernels to `isa` (process-wide, until changed again), or with
/// `None` goes back to `GRADLAB_ISA` or the CPU's best. Returns the set in
/// force before, or an error naming both sets when the CPU lacks `isa`.
///
/// ```
/// use tensor::kernels::plan::{isa, set_isa, Isa};
/// let before = set_isa(Some(Isa::Portable)).unwrap();
/// assert_eq!(isa(), Isa::Portable);
/// set_isa(None).unwrap();
/// assert_eq!(isa(), before);
/// ```
pub fn set_isa(isa: Option<Isa>) -> Result<Isa, String> {
    let before = self::isa();
    match isa {
        Some(isa) if isa > Isa::detected() => {
            Err(format!("this CPU lacks {isa}: the best it has is {}", Isa::detected()))
        }
        Some(isa) => {
            let index = Isa::ALL.iter().position(|&i| i == isa).expect("every Isa is in ALL");
            FORCED.store(index as u8 + 1, Ordering::SeqCst);
            Ok(before)
        }
        None => {
            FORCED.store(0, Ordering::SeqCst);
            Ok(before)
        }
    }
}

/// Whether the elements are f32 and the instruction set in force is
/// AVX-512: the f32 kernels written with intrinsics run.
#[inline]
pub(crate) fn f32_on_avx512<E: 'static>() -> bool {
    is_f32::<E>() && isa() == Isa::Avx512
}

/// Whether the elements are f32 (the kernels written with intrinsics are f32 only).
#[inline]
pub(crate) fn is_f32<E: 'static>() -> bool {
    std::any::TypeId::of::<E>() == std::any::TypeId::of::<f32>()
}

/// The path that computes a matrix product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Path {
    /// Few rows of A (a minibatch times a weight): B streamed once
    /// (`kernels::small_matmul`); on AVX2 also many rows, in passes over B
    /// (a column-major B transposed a pass at a time), and rank updates.
    SmallRows,
    /// A short inner dimension (a weight gradient zᵀ·∂C/∂s): C touched once
    /// (`kernels::rank_update`).
    RankUpdate,
    /// f32 on AVX-512: packed operands and a 12×32 register block
    /// (`kernels::packed_gemm`).
    PackedGemm,
    /// matrixmultiply's `sgemm` / `dgemm`.
    Matrixmultiply,
}

/// The path of a product C ← α·A·B + β·C with A m×k and B k×n laid out as
/// `a` and `b` (strides), for the element type and the instruction set in force. In order:
///
/// 1. α = 1, β = 0, B of unit stride along one axis, and few rows of A (or,
///    in f32 on AVX2, a narrow C): [`Path::SmallRows`] — on AVX-512 up to 16
///    rows (in f32 as `small_matmul::avx512_takes` measured), on AVX2 in f32
///    where `small_matmul::avx2_takes` measured it faster than matrixmultiply;
/// 2. on AVX-512, an inner dimension of 1 to 16 with a row-major B:
///    [`Path::RankUpdate`];
/// 3. f32 on AVX-512: [`Path::PackedGemm`];
/// 4. everything else, and everything on `portable`: [`Path::Matrixmultiply`].
///
/// Each rule is a measurement against matrixmultiply (`cargo bench --bench
/// matmul_plan` under each `GRADLAB_ISA`): a hand kernel takes only the
/// shapes where it was not slower.
///
/// The choice is made for the whole product: a product split over threads
/// by columns goes to one path whole, each share by the same kernel.
pub(crate) fn choose<E: Element>(
    (m, k, n): (usize, usize, usize),
    (alpha, beta): (E, E),
    a: Operand<E>,
    b: Operand<E>,
) -> Path {
    if m == 0 || k == 0 || n == 0 {
        return Path::Matrixmultiply;
    }
    if alpha == E::ONE && beta == E::ZERO && super::small_matmul::takes_product((m, k, n), a, b) {
        Path::SmallRows
    } else if super::rank_update::takes_product(k, b) {
        Path::RankUpdate
    } else if f32_on_avx512::<E>() {
        Path::PackedGemm
    } else {
        Path::Matrixmultiply
    }
}

thread_local! {
    static LAST_PATH: Cell<Option<Path>> = const { Cell::new(None) };
}

/// The path that took the calling thread's last matrix product (of a split
/// product, the path of the part this thread ran last), if it ran one.
pub fn last_path() -> Option<Path> {
    LAST_PATH.with(Cell::get)
}

/// Records the path a product took, for [`last_path`].
#[inline]
pub(crate) fn record(path: Path) {
    LAST_PATH.with(|last| last.set(Some(path)));
}

/// The instruction set matrixmultiply's kernels run with. It picks its own at
/// run time, whatever [`isa`] says: the CPU's best, except that its AVX-512
/// kernels exist only in a build with gradlab's default feature
/// `matrixmultiply-avx512`; without it an AVX-512 CPU runs its AVX2 + FMA
/// kernels (how the AVX2 class is measured like with like on such a CPU).
pub fn matrixmultiply_isa() -> Isa {
    let detected = Isa::detected();
    if detected == Isa::Avx512 && !cfg!(feature = "matrixmultiply-avx512") {
        Isa::Avx2
    } else {
        detected
    }
}

/// What a run's numbers were computed with: the instruction set in force,
/// the one matrixmultiply runs and the CPU. f32 training is reproducible
/// from a seed with one plan; with another the last bits differ and the runs
/// drift apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelPlan {
    /// The instruction set in force.
    pub isa: Isa,
    /// The instruction set of matrixmultiply's kernels ([`matrixmultiply_isa`]).
    pub matrixmultiply: Isa,
    /// The CPU's model name (`/proc/cpuinfo`'s "model name"; "unknown" elsewhere).
    pub cpu: String,
}

impl KernelPlan {
    /// The plan in force now.
    pub fn current() -> KernelPlan {
        KernelPlan { isa: isa(), matrixmultiply: matrixmultiply_isa(), cpu: cpu_model() }
    }

    /// Whether matrixmultiply runs below the CPU's best instruction set (a
    /// build without `matrixmultiply-avx512` on an AVX-512 CPU).
    pub fn matrixmultiply_held(&self) -> bool {
        self.matrixmultiply < Isa::detected()
    }
}

impl fmt::Display for KernelPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.isa, self.cpu)?;
        if self.matrixmultiply_held() {
            write!(f, " (matrixmultiply held to {})", self.matrixmultiply)?;
        }
        Ok(())
    }
}

/// The CPU's model name, as `lscpu` shows it.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_detected_set_is_supported() {
        for isa in Isa::ALL {
            assert_eq!(Isa::from_name(isa.name()), Some(isa));
        }
        assert_eq!(Isa::from_name("AVX2 "), Some(Isa::Avx2));
        assert_eq!(Isa::from_name("sse"), None);
        assert_eq!(Isa::supported().last(), Some(&Isa::detected()));
        assert_eq!(Isa::supported()[0], Isa::Portable);
    }
}
