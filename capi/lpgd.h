/*
 * lpgd.h — C ABI of the lpgd_go shared library (liblpgd.so).
 *
 * Conventions (see docs/architecture.md):
 *  - Every function returns an int32 call code: LPGD_OK (0) or a negative
 *    LPGD_E_* value. Call errors (bad shapes, non-finite data, bad settings,
 *    bad handles, recovered panics) are separate from per-sample solve
 *    outcomes, which are written to a caller-provided int32 status array
 *    with the frozen LPGD_STATUS_* values.
 *  - On error a message is copied into err (capacity errlen bytes, always
 *    NUL-terminated when errlen > 0). err may be NULL when errlen is 0.
 *  - Analysed structures cross the ABI as uint64 handles; 0 is never a valid
 *    handle. Every handle must be released with lpgd_structure_free.
 *  - All arrays are caller-owned, C-contiguous float64 (int64 for indices).
 *    Batched inputs take a batch stride in elements: element k of a batch
 *    starts at ptr + k*stride; stride 0 shares one array across the batch.
 *    Outputs are written into caller-allocated buffers with the natural
 *    stride (n for x, m for y and s, the input's layout size for gradients).
 *    The library never returns a Go pointer and never keeps a caller
 *    pointer after a call returns.
 *  - Every exported function recovers Go panics (also inside worker
 *    goroutines) and reports them as LPGD_E_INTERNAL or as a per-sample
 *    LPGD_STATUS_INTERNAL_ERROR; the library never exits the process.
 *  - The Go runtime does not survive fork(): do not call into the library
 *    in a forked child.
 */
#ifndef LPGD_H
#define LPGD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version; bumped on any incompatible change. */
#define LPGD_ABI_VERSION 1

/* Call codes (returned by every function). */
#define LPGD_OK 0
#define LPGD_E_ARGUMENT -1 /* bad shape, stride, NULL pointer, pattern */
#define LPGD_E_DATA -2     /* NaN/Inf or otherwise invalid numeric data */
#define LPGD_E_SETTINGS -3 /* invalid solver or backward settings */
#define LPGD_E_HANDLE -4   /* unknown or freed handle */
#define LPGD_E_INTERNAL -5 /* recovered panic or internal failure */

/* Per-sample statuses (frozen, append only; mirrored in Go ipm.Status and
 * in Python lpgd_go.Status). */
#define LPGD_STATUS_UNSOLVED 0
#define LPGD_STATUS_SOLVED 1
#define LPGD_STATUS_PRIMAL_INFEASIBLE 2
#define LPGD_STATUS_DUAL_INFEASIBLE 3
#define LPGD_STATUS_MAX_ITERATIONS 4
#define LPGD_STATUS_NUMERICAL_ERROR 5
#define LPGD_STATUS_ALMOST_SOLVED 6
#define LPGD_STATUS_INTERNAL_ERROR 7
#define LPGD_STATUS_BACKWARD_FAILED 8

/* Matrix layouts for P and A. */
#define LPGD_LAYOUT_CSC 0   /* values on the CSC pattern given at creation */
#define LPGD_LAYOUT_DENSE 1 /* row-major full matrix (P: n*n symmetric, A: m*n) */

/* Backward methods. */
#define LPGD_BACKWARD_KKT 0
#define LPGD_BACKWARD_BPQP 1
#define LPGD_BACKWARD_LPGD 2

/* LPGD sides. */
#define LPGD_SIDE_RIGHT 0
#define LPGD_SIDE_LEFT 1
#define LPGD_SIDE_CENTRAL 2

/* LPGD fallbacks when a perturbed solve fails. */
#define LPGD_FALLBACK_NONE 0
#define LPGD_FALLBACK_OTHER_SIDE 1
#define LPGD_FALLBACK_SMALLER_TAU 2

/* BPQP backward-QP solvers. */
#define LPGD_BPQP_DIRECT 0
#define LPGD_BPQP_ADMM 1

/* Info columns written per sample by lpgd_solve (info may be NULL). */
#define LPGD_INFO_ITER 0
#define LPGD_INFO_PRIMAL_OBJ 1
#define LPGD_INFO_DUAL_OBJ 2
#define LPGD_INFO_RES_PRIMAL 3
#define LPGD_INFO_RES_DUAL 4
#define LPGD_INFO_GAP_ABS 5
#define LPGD_INFO_GAP_REL 6
#define LPGD_INFO_COLS 7

/* Backward flags written per sample (flags may be NULL). */
#define LPGD_FLAG_REGULARIZED 1    /* dependent/degenerate KKT: regularized */
#define LPGD_FLAG_WEAKLY_ACTIVE 2  /* BPQP: active constraint with ~zero dual */
#define LPGD_FLAG_FAST_PATH 4      /* LPGD: all perturbed solves by the active-set fast path */
#define LPGD_FLAG_FALLBACK_USED 8  /* LPGD: fallback was needed */
#define LPGD_FLAG_ZERO_GRAD 16     /* incoming gradient was zero */

/* Solver settings. Fill with lpgd_default_settings, then change fields.
 * Field meanings and defaults: gocore/ipm/settings.go. */
typedef struct {
    int64_t size;              /* sizeof(lpgd_settings), checked */
    int64_t max_iter;          /* 100 */
    double tol_gap_abs;        /* 1e-8 */
    double tol_gap_rel;        /* 1e-8 */
    double tol_feas;           /* 1e-8 */
    double tol_infeas_abs;     /* 1e-8 */
    double tol_infeas_rel;     /* 1e-8 */
    double reduced_tol_gap;    /* 5e-5 */
    double reduced_tol_feas;   /* 1e-4 */
    double static_reg;         /* 1e-8 */
    int64_t iter_refine_max;   /* 10 */
    double max_step_fraction;  /* 0.99 */
    int64_t equilibrate;       /* 1 */
    int64_t equilibrate_iters; /* 10 */
    int64_t linear_solver;     /* 0 auto, 1 dense, 2 sparse */
} lpgd_settings;

/* Backward options. Fill with lpgd_default_backward, then change fields. */
typedef struct {
    int64_t size;          /* sizeof(lpgd_backward_opts), checked */
    int64_t method;        /* LPGD_BACKWARD_*; default KKT */
    double tau;            /* LPGD step, > 0; default 0.1 */
    double rho;            /* LPGD proximal weight, >= 0; default 0 */
    int64_t side;          /* LPGD_SIDE_*; default CENTRAL */
    int64_t fallback;      /* LPGD_FALLBACK_*; default NONE */
    int64_t fast_path;     /* LPGD active-set fast path; default 1 */
    int64_t max_halvings;  /* SMALLER_TAU fallback: tries; default 4 */
    int64_t bpqp_solver;   /* LPGD_BPQP_*; default DIRECT */
    double active_tol;     /* BPQP active-set threshold; default 1e-6 */
    double admm_eps;       /* BPQP ADMM tolerance; default 1e-9 */
    int64_t admm_max_iter; /* BPQP ADMM iterations; default 10000 */
    double admm_rho;       /* BPQP ADMM penalty; default 1.0 */
} lpgd_backward_opts;

#ifndef LPGD_NO_PROTOTYPES
/* (The Go side includes this header for the types and constants only: cgo
 * generates its own prototypes for the exports.) */

int32_t lpgd_abi_version(void);

/* Number of worker goroutines a batch is split over (static partition).
 * n <= 0 resets to the number of CPUs. Also sets GOMAXPROCS to at least n. */
int32_t lpgd_set_num_threads(int64_t n);
int64_t lpgd_get_num_threads(void);

int32_t lpgd_default_settings(lpgd_settings *out);
int32_t lpgd_default_backward(lpgd_backward_opts *out);

/* Creates an analysed structure. cones: zero rows, nonneg rows, then
 * nsoc second-order cones of dimensions soc[0..nsoc). P is given by its
 * upper triangle: with p_layout DENSE the pattern is the full upper triangle
 * (p_colptr/p_rowval ignored), or empty when has_p is 0 (an LP); with CSC
 * the pattern is (p_colptr[n+1], p_rowval[nnz]) and must be upper
 * triangular with sorted rows. Likewise A (m×n) with a_layout. */
int32_t lpgd_structure_new(int64_t n, int64_t m, int64_t zero, int64_t nonneg,
                           const int64_t *soc, int64_t nsoc,
                           int32_t has_p, int32_t p_layout,
                           const int64_t *p_colptr, const int64_t *p_rowval,
                           int32_t a_layout,
                           const int64_t *a_colptr, const int64_t *a_rowval,
                           int32_t linear_solver,
                           uint64_t *handle_out, char *err, int64_t errlen);

int32_t lpgd_structure_free(uint64_t handle);

/* Number of live handles (for leak tests). */
int64_t lpgd_handle_count(void);

/* Sizes of a structure: n, m, nnz of P's stored pattern, nnz of A's, and
 * whether the dense KKT path was chosen. out must hold 5 int64. */
int32_t lpgd_structure_info(uint64_t handle, int64_t *out);

/* Solves a batch. P (unless the structure has no P), c, A, b are inputs in
 * the structure's layouts with batch strides (0 = shared). x (batch*n),
 * y (batch*m), s (batch*m), status (batch) are outputs; info
 * (batch*LPGD_INFO_COLS) may be NULL. Failed samples get a status, never a
 * call error. */
int32_t lpgd_solve(uint64_t handle, const lpgd_settings *settings, int64_t batch,
                   const double *P, int64_t p_stride, const double *c, int64_t c_stride,
                   const double *A, int64_t a_stride, const double *b, int64_t b_stride,
                   double *x, double *y, double *s, int32_t *status, double *info,
                   char *err, int64_t errlen);

/* Backward pass for a batch. Inputs as in lpgd_solve plus the forward
 * solution x, y, s (natural strides) and the incoming gradients gx
 * (required), gy, gs (NULL = zero). Outputs gP, gc, gA, gb (each NULL when
 * not needed) are written per sample in the input's layout (per-sample
 * stride = that layout's size, never 0: the caller sums shared inputs).
 * For DENSE P the gradient is the symmetric matrix derivative. Samples whose
 * forward status (in_status) is not solved/almost solved get zero gradients
 * and keep their status; a sample whose backward fails gets
 * LPGD_STATUS_BACKWARD_FAILED in out_status and zero gradients, and the call
 * still returns LPGD_OK with "batch element k: <reason>" for the first such
 * sample copied into err. flags (batch) may be NULL. The incoming slack
 * gradient gs is applied through s = b − Ax for every method. */
int32_t lpgd_backward(uint64_t handle, const lpgd_settings *settings,
                      const lpgd_backward_opts *opts, int64_t batch,
                      const double *P, int64_t p_stride, const double *c, int64_t c_stride,
                      const double *A, int64_t a_stride, const double *b, int64_t b_stride,
                      const double *x, const double *y, const double *s,
                      const int32_t *in_status,
                      const double *gx, const double *gy, const double *gs,
                      double *gP, double *gc, double *gA, double *gb,
                      int32_t *out_status, int32_t *flags,
                      char *err, int64_t errlen);

/* Test hooks: make the next call panic inside the export (mode 1) or inside
 * the worker for batch element `sample` (mode 2); mode 0 disarms. */
int32_t lpgd_debug_panic(int32_t mode, int64_t sample);

#endif /* LPGD_NO_PROTOTYPES */

#ifdef __cplusplus
}
#endif

#endif /* LPGD_H */
