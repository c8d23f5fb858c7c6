/*
 * lpgd.h — C ABI of the lpgd_go shared library (liblpgd.so).
 *
 * A call passes typed structs: a structure description (sizes, a list of
 * cones, the sparsity patterns of P and A) once, then per call the problem
 * values (batched operands: a pointer and a batch stride) and caller-owned
 * output buffers. capi/example/example.c is a complete C program.
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

/* ABI version; bumped on any incompatible change. A caller compares
 * lpgd_abi_version() with the LPGD_ABI_VERSION it was built with before any
 * other call: the structs grow at their ends (a caller built for version 8
 * passes a 56-byte lpgd_gradients, and the library would read block_major
 * past its end). Version 2: typed structs
 * and a cone list replace the positional argument lists of version 1.
 * Version 3: lpgd_backward_opts gains tau_auto and tau_target.
 * Version 4: the info column LPGD_INFO_TOLERANCE (LPGD_INFO_COLS 9) and
 * lpgd_settings.accept_almost_solved.
 * Version 5: lpgd_gradients.stats (LPGD_BSTAT_* columns).
 * Version 6: lpgd_cone.param (the power cone's alpha; LPGD_CONE_POW).
 * Version 7: lpgd_values.psd_sym_tol and psd_shift (lpgd_solve tests a dense
 * P as lpgd_check_psd does, in the same call).
 * Version 8: lpgd_solution.factor and factor_len, lpgd_sizes.factor_len and
 * LPGD_FLAG_FACTOR_REUSED (the kkt backward reuses the forward's
 * factorization).
 * Version 9: lpgd_backward_opts gains rho_auto and rho_target;
 * lpgd_gradients.block_major (each row block's gA and gb in one
 * contiguous region for the whole batch). */
#define LPGD_ABI_VERSION 9

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
#define LPGD_STATUS_TIME_LIMIT 9   /* time_limit or call_time_limit reached */
#define LPGD_STATUS_INTERRUPTED 10 /* cancelled through lpgd_cancel */

/* Matrix layouts for P and A (lpgd_pattern.layout). */
#define LPGD_LAYOUT_CSC 0   /* values on the CSC pattern given at creation */
#define LPGD_LAYOUT_DENSE 1 /* row-major full matrix (P: n*n symmetric, A: m*n) */
#define LPGD_LAYOUT_NONE 2  /* no entries (P of a linear program) */

/* Cone kinds (lpgd_cone.kind; append only: a new cone is a new kind). */
#define LPGD_CONE_ZERO 0   /* s = 0: equality rows */
#define LPGD_CONE_NONNEG 1 /* s >= 0: inequality rows */
#define LPGD_CONE_SOC 2    /* second-order cone s0 >= ||s[1:]||, dim >= 1 */
#define LPGD_CONE_PSD 3    /* positive semidefinite d×d matrices, dim = d(d+1)/2:
                            * svec of the lower triangle column by column
                            * (SCS's order), off-diagonal entries times sqrt(2) */
#define LPGD_CONE_EXP 4    /* exponential cone on 3 rows (x, y, z): y > 0, y*exp(x/y) <= z
                            * (closure); dim must be 3 (cvxpy's and SCS's order) */
#define LPGD_CONE_POW 5    /* 3-d power cone on 3 rows (x, y, z): x^a * y^(1-a) >= |z|,
                            * x, y >= 0, with a = lpgd_cone.param in (0, 1); dim must
                            * be 3 (cvxpy's PowCone3D, SCS's and Clarabel's order) */

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
#define LPGD_INFO_POLISHED 7 /* 1 if the solution is the polished active-set solution */
#define LPGD_INFO_TOLERANCE 8 /* tolerances the returned point meets: LPGD_TOL_* */
#define LPGD_INFO_COLS 9

/* Values of the LPGD_INFO_TOLERANCE column (ipm.Tolerance). */
#define LPGD_TOL_NONE 0    /* neither (failed solve or certificate) */
#define LPGD_TOL_REDUCED 1 /* only reduced_tol_feas/reduced_tol_gap (almost_solved) */
#define LPGD_TOL_FULL 2    /* tol_feas and tol_gap_abs or tol_gap_rel (solved) */

/* Backward flags written per sample (flags may be NULL). */
#define LPGD_FLAG_REGULARIZED 1    /* dependent/degenerate KKT: regularized */
#define LPGD_FLAG_WEAKLY_ACTIVE 2  /* BPQP: active constraint with ~zero dual */
#define LPGD_FLAG_FAST_PATH 4      /* LPGD: all perturbed solves by the active-set fast path */
#define LPGD_FLAG_FALLBACK_USED 8  /* LPGD: fallback was needed */
#define LPGD_FLAG_ZERO_GRAD 16     /* incoming gradient was zero */
#define LPGD_FLAG_FACTOR_REUSED 32 /* kkt, bpqp direct: solved with the forward's factorization (lpgd_solution.factor) */

/* Statistics columns written per sample by lpgd_backward (stats may be
 * NULL); LPGD's, zero for the other methods. */
#define LPGD_BSTAT_CHANGES 0       /* active-set changes (pivots) of the warm-started perturbed solves */
#define LPGD_BSTAT_WARM_SOLVES 1   /* perturbed solves finished by the warm start */
#define LPGD_BSTAT_IPM_SOLVES 2    /* perturbed solves by the interior point (warm start given up or off) */
#define LPGD_BSTAT_FACTOR_SOLVES 3 /* solves with the warm start's base factorization */
#define LPGD_BSTAT_TAU 4           /* the tau used (tau_auto's choice, or after smaller_tau halvings) */
#define LPGD_BSTAT_COLS 5

/* Solver settings. Fill with lpgd_default_settings (the defaults live in Go
 * only), then change fields. Field meanings: gocore/ipm/settings.go (the
 * Go field of the same name in CamelCase); Python: lpgd_go.SolverSettings. */
typedef struct {
    int64_t size;              /* sizeof(lpgd_settings), checked */
    int64_t max_iter;
    double tol_gap_abs;
    double tol_gap_rel;
    double tol_feas;
    double tol_infeas_abs;
    double tol_infeas_rel;
    double reduced_tol_gap;
    double reduced_tol_feas;
    double static_reg;
    int64_t iter_refine_max;
    double max_step_fraction;
    int64_t equilibrate;
    int64_t equilibrate_iters;
    int64_t linear_solver;     /* 0 auto, 1 dense, 2 sparse */
    double time_limit;         /* seconds per sample, 0 = none */
    double call_time_limit;    /* seconds per lpgd_solve call, 0 = none */
    uint64_t cancel_token;     /* from lpgd_cancel_token_new, 0 = none */
    int64_t polish;            /* polish the solution (ipm.Settings.Polish) */
    int64_t accept_almost_solved; /* 1: almost_solved counts as solved (backward
                                   * differentiates it); 0: a failure */
} lpgd_settings;

/* Backward options. Fill with lpgd_default_backward (the defaults live in
 * Go only), then change fields. Field meanings: gocore/diff/diff.go
 * (Options); Python: lpgd_go.KKT, BPQP and LPGD. */
typedef struct {
    int64_t size;          /* sizeof(lpgd_backward_opts), checked */
    int64_t method;        /* LPGD_BACKWARD_* */
    double tau;            /* LPGD step, > 0 */
    double rho;            /* LPGD proximal weight, >= 0 */
    int64_t side;          /* LPGD_SIDE_* */
    int64_t fallback;      /* LPGD_FALLBACK_* */
    int64_t fast_path;     /* LPGD active-set fast path */
    int64_t max_halvings;  /* SMALLER_TAU fallback: tries */
    int64_t bpqp_solver;   /* LPGD_BPQP_* */
    double active_tol;     /* BPQP active-set threshold */
    double admm_eps;       /* BPQP ADMM tolerance */
    int64_t admm_max_iter; /* BPQP ADMM iterations */
    double admm_rho;       /* BPQP ADMM penalty */
    int64_t tau_auto;      /* LPGD: 1 = adaptive tau per sample (tau ignored) */
    double tau_target;     /* LPGD adaptive tau: max |perturbation| / max |data|, > 0 */
    int64_t rho_auto;      /* LPGD: 1 = adaptive rho per sample (rho ignored) */
    double rho_target;     /* LPGD adaptive rho: rho * max|x*| / max(max|c|, tau max|gx|), > 0 */
} lpgd_backward_opts;

/* One block of the cone K, in row order: K = K_0 × K_1 × …. Adjacent
 * blocks of the same kind are allowed (two ZERO blocks are one of the summed
 * dimension). */
typedef struct {
    int64_t kind; /* LPGD_CONE_* */
    int64_t dim;  /* number of rows (>= 0; >= 1 for SOC) */
    double param; /* LPGD_CONE_POW: alpha in (0, 1); 0 for every other kind */
} lpgd_cone;

/* The sparsity pattern of a matrix; its values come with every call. */
typedef struct {
    int64_t layout;        /* LPGD_LAYOUT_*; CSC, DENSE or NONE (P only) */
    const int64_t *colptr; /* CSC: cols+1 column starts; else ignored */
    const int64_t *rowval; /* CSC: colptr[cols] row indices, strictly
                            * increasing per column; else ignored */
} lpgd_pattern;

/* What lpgd_structure_new analyses: the problem
 *   minimize ½xᵀPx + cᵀx  subject to  Ax + s = b,  s ∈ K
 * with n variables and m = Σ cones[i].dim rows. P is given by its upper
 * triangle: DENSE means the full upper triangle, CSC an upper-triangular
 * pattern. A is m×n. */
typedef struct {
    int64_t n;               /* variables, >= 1 */
    const lpgd_cone *cones;  /* ncones blocks in row order (NULL if 0) */
    int64_t ncones;
    lpgd_pattern P;          /* n×n upper triangle */
    lpgd_pattern A;          /* m×n */
    int64_t linear_solver;   /* 0 auto, 1 dense, 2 sparse KKT factorization */
} lpgd_structure_desc;

/* Sizes of an analysed structure (lpgd_structure_info). */
typedef struct {
    int64_t n, m;       /* variables, rows */
    int64_t p_nnz;      /* entries of P's stored pattern */
    int64_t a_nnz;      /* entries of A's stored pattern */
    int64_t dense_kkt;  /* 1 when the dense KKT factorization was chosen */
    int64_t factor_len; /* ABI 8: words per sample of lpgd_solution.factor
                         * (0: this structure's solves never write one) */
} lpgd_sizes;

/* A batched input: sample k starts at data + k*stride (in elements);
 * stride 0 shares one array across the batch. */
typedef struct {
    const double *data;
    int64_t stride;
} lpgd_operand;

/* A block of consecutive rows of [A | b]. A's values for the block are,
 * for a DENSE A, the rows×n row-major submatrix; for a CSC A, the values of
 * the pattern entries in these rows, column by column (the CSC values of
 * the submatrix). A front end with equality rows and inequality rows passes
 * them as two blocks and never concatenates them. */
typedef struct {
    int64_t rows;   /* rows covered (>= 0) */
    lpgd_operand A; /* see above */
    lpgd_operand b; /* rows entries */
} lpgd_row_block;

/* The values of a batch of problems on one structure. */
typedef struct {
    lpgd_operand P;               /* P's layout (n*n, or its pattern's nnz);
                                   * ignored for LPGD_LAYOUT_NONE */
    lpgd_operand c;               /* n entries */
    const lpgd_row_block *blocks; /* row blocks in row order, their rows
                                   * summing to m (NULL if nblocks is 0) */
    int64_t nblocks;
    /* ABI 7. psd_shift > 0: lpgd_solve first tests a DENSE P as
     * lpgd_check_psd(n, batch, &P, psd_sym_tol, psd_shift, ...) does (after
     * the finiteness checks, before any solve) and fails with LPGD_E_DATA
     * naming the first batch element that is not symmetric or whose shifted
     * Cholesky factorization fails; 0 (as zero-initialised): no test.
     * Ignored for a CSC or absent P and by lpgd_backward. At B = 1 and
     * 16 <= n < 192 the factorization test may run at the solve's first
     * factorization, which may prove its outcome from its own factorization
     * of P (never a different verdict, error or outputs: a failing call
     * stops there and returns this error with status 0, NaN solutions, the
     * info row untouched and the factor record's first 8 words zero, the
     * rest untouched, as if it had stopped before the solve). */
    double psd_sym_tol;
    double psd_shift;
} lpgd_values;

/* A batch of solutions: written by lpgd_solve, read by lpgd_backward.
 * Natural strides: n for x, m for y and s. */
typedef struct {
    double *x;       /* batch*n primal solution */
    double *y;       /* batch*m duals (NULL allowed when m is 0) */
    double *s;       /* batch*m slacks (NULL allowed when m is 0) */
    int32_t *status; /* batch LPGD_STATUS_* (lpgd_backward: NULL = all solved) */
    double *info;    /* batch*LPGD_INFO_COLS, or NULL (lpgd_backward ignores it) */
    /* ABI 8, optional (NULL / 0: none). batch*factor_len words owned by the
     * caller, factor_len >= lpgd_sizes.factor_len: lpgd_solve writes into
     * sample k's words a record of the factorization of its polished
     * active-set system (or marks them invalid), and lpgd_backward with the
     * kkt method or BPQP's direct solver solves with it instead of factoring
     * that system again when the backward's active set is the record's
     * (LPGD_FLAG_FACTOR_REUSED).
     * lpgd_backward validates the record (header, structure fingerprint,
     * active set, a refinement to the solve tolerances against the values
     * it is given) and factors as without one when it does not pass. */
    double *factor;
    int64_t factor_len;
} lpgd_solution;

/* Incoming gradients of a loss with respect to x, y and s (natural strides). */
typedef struct {
    const double *gx; /* batch*n, required */
    const double *gy; /* batch*m, or NULL for zero */
    const double *gs; /* batch*m, or NULL for zero; applied through s = b − Ax */
} lpgd_incoming;

/* Gradients written by lpgd_backward, per sample in the input's layout
 * (natural stride: that layout's size, also for inputs shared with stride
 * 0 — the caller sums). Each of gP, gc, gA, gb may be NULL when not needed;
 * gA and gb cover all m rows (the caller splits row blocks). For a DENSE P
 * the gradient is the symmetric matrix derivative.
 *
 * block_major (ABI 9; 0 as zero-initialised: the sample-major layout
 * above): nonzero writes gA and gb block by block in the row blocks of
 * lpgd_values — block j (rows r0 .. r0+rows−1) is one contiguous
 * batch×rows×n region of gA at offset batch·n·r0 (gb: batch×rows at
 * batch·r0), sample k's rows at k·rows·n within it — so each block's
 * gradient is a plain [batch, rows, n] array. Same total sizes; with one
 * block (or batch 1) the two layouts coincide. Needs a DENSE A
 * (LPGD_E_ARGUMENT otherwise). */
typedef struct {
    double *gP, *gc, *gA, *gb;
    int32_t *status; /* batch, required: the sample's status after backward */
    int32_t *flags;  /* batch LPGD_FLAG_* bits, or NULL */
    double *stats;   /* batch*LPGD_BSTAT_COLS, or NULL (ABI 5) */
    int64_t block_major; /* ABI 9, see above */
} lpgd_gradients;

/* The arguments of lpgd_solve and of lpgd_backward, in their order, as
 * one struct each: the one-pointer entries lpgd_solve_packed and
 * lpgd_backward_packed read them from it. A caller that makes the same call
 * again and again (a language binding, whose foreign-function layer pays per
 * argument converted) keeps such a struct next to its buffers and rewrites
 * only the words that change. */
typedef struct {
    uint64_t handle;
    const lpgd_settings *settings;
    int64_t batch;
    const lpgd_values *values;
    lpgd_solution *out;
    char *err;
    int64_t errlen;
} lpgd_solve_args;

typedef struct {
    uint64_t handle;
    const lpgd_settings *settings;
    const lpgd_backward_opts *opts;
    int64_t batch;
    const lpgd_values *values;
    const lpgd_solution *forward;
    const lpgd_incoming *incoming;
    lpgd_gradients *out;
    char *err;
    int64_t errlen;
} lpgd_backward_args;

#ifndef LPGD_NO_PROTOTYPES
/* (The Go side includes this header for the types and constants only: cgo
 * generates its own prototypes for the exports.) */

int32_t lpgd_abi_version(void);

/* A static, NUL-terminated description of a call code ("argument error",
 * …); never NULL ("unknown call code" for an unknown one). */
const char *lpgd_error_message(int32_t code);

/* Number of worker goroutines a batch is split over (static partition).
 * n <= 0 resets to the number of CPUs. Also sets GOMAXPROCS to at least n. */
int32_t lpgd_set_num_threads(int64_t n);
int64_t lpgd_get_num_threads(void);

/* Validation of a (batch of) dense row-major n×n quadratic terms P (an
 * operand: stride 0 shares one P across the batch). First the
 * symmetry of every element: *bad = the first k with max|P - P^T| >
 * sym_tol * max(1, max|P|), *value = that max|P - P^T|, or *bad = -1. Only
 * when all are symmetric, info[k] (batch entries, or 1 when stride is 0) is 0
 * when P_k + shift * max(1, ||P_k||_F) * I has a Cholesky factor and 1 when it
 * has not (then P_k is not positive semidefinite or within shift of it: the
 * caller decides by an eigenvalue test). Uses no thread for small batches. */
int32_t lpgd_check_psd(int64_t n, int64_t batch, const lpgd_operand *P,
                       double sym_tol, double shift, int64_t *bad, double *value,
                       int32_t *info, char *err, int64_t errlen);

int32_t lpgd_default_settings(lpgd_settings *out);

/* Cancellation: a token (never 0) put in lpgd_settings.cancel_token makes
 * the lpgd_solve calls that carry it stop within one interior-point
 * iteration once lpgd_cancel(token) is called (from any thread); their
 * unfinished samples end LPGD_STATUS_INTERRUPTED. A cancelled token stays
 * cancelled; free it with lpgd_cancel_token_free. */
int32_t lpgd_cancel_token_new(uint64_t *token_out);
int32_t lpgd_cancel(uint64_t token);
int32_t lpgd_cancel_token_free(uint64_t token);
int64_t lpgd_cancel_token_count(void);
int32_t lpgd_default_backward(lpgd_backward_opts *out);

/* Validates and analyses a structure; *handle_out receives its handle
 * (0 on error). The description's arrays are read during the call only. */
int32_t lpgd_structure_new(const lpgd_structure_desc *desc, uint64_t *handle_out,
                           char *err, int64_t errlen);

int32_t lpgd_structure_free(uint64_t handle);

/* Number of live handles (for leak tests). */
int64_t lpgd_handle_count(void);

/* Sizes of a structure. */
int32_t lpgd_structure_info(uint64_t handle, lpgd_sizes *out);

/* Solves a batch of `batch` problems with the given values (settings NULL =
 * defaults). x, status and (when m > 0) y and s of out are required.
 * Failed samples get a status, never a call error; a sample whose solve
 * panicked gets LPGD_STATUS_INTERNAL_ERROR and NaN outputs. */
int32_t lpgd_solve(uint64_t handle, const lpgd_settings *settings, int64_t batch,
                   const lpgd_values *values, lpgd_solution *out,
                   char *err, int64_t errlen);

/* Backward pass for a batch: the values of the forward call, its solution
 * (x, y, s; status NULL = all solved) and the incoming gradients (opts NULL
 * = defaults). Samples whose forward status is not solved/almost solved get
 * zero gradients and keep their status; a sample whose backward fails gets
 * LPGD_STATUS_BACKWARD_FAILED and zero gradients, and the call still
 * returns LPGD_OK with "batch element k: <reason>" for the first such sample
 * copied into err. */
int32_t lpgd_backward(uint64_t handle, const lpgd_settings *settings,
                      const lpgd_backward_opts *opts, int64_t batch,
                      const lpgd_values *values, const lpgd_solution *forward,
                      const lpgd_incoming *incoming, lpgd_gradients *out,
                      char *err, int64_t errlen);

/* lpgd_solve(args->handle, args->settings, …, args->errlen) and
 * lpgd_backward(args->handle, …, args->errlen): the same calls (the same
 * validation, errors, messages and outputs) with their arguments read from
 * one struct, which the library reads during the call only. args NULL:
 * LPGD_E_ARGUMENT, with no message (the error buffer is one of the
 * arguments). */
int32_t lpgd_solve_packed(const lpgd_solve_args *args);
int32_t lpgd_backward_packed(const lpgd_backward_args *args);

#ifdef LPGD_DEBUG
/* Test hook, exported only by a library built with `go build -tags
 * lpgd_debug` (the test targets of the Makefile build one): make the next
 * call panic inside the export (mode 1) or inside the worker for batch
 * element `sample` (mode 2); mode 0 disarms. */
int32_t lpgd_debug_panic(int32_t mode, int64_t sample);
#endif /* LPGD_DEBUG */

/* Build information as NUL-terminated "key=value" lines (abi, go, os, arch,
 * kernels, num_cpu, module, dep, build.*): LPGD_E_ARGUMENT (text truncated)
 * when outlen is too small; 4096 bytes suffice. */
int32_t lpgd_build_info(char *out, int64_t outlen);

#endif /* LPGD_NO_PROTOTYPES */

#ifdef __cplusplus
}
#endif

#endif /* LPGD_H */
