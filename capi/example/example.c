/*
 * example.c — the C ABI without Python: solve a small batch of QPs with
 * liblpgd.so, run the backward pass, and compare both with closed forms.
 * Returns 0 when everything matches, 1 otherwise. `make test-c` builds and
 * runs it:
 *
 *   cc -std=c99 -Wall -Icapi capi/example/example.c \
 *      -Lpython/lpgd_go/_lib -llpgd -Wl,-rpath,python/lpgd_go/_lib -o example
 *
 * The problem, for a parameter t > 0 (one per batch element):
 *
 *   minimize ½‖x‖² − x₁ − x₂  subject to  x₁ + x₂ = t,  x ≥ 0,
 *
 * in the form Ax + s = b, s ∈ Zero(1) × Nonneg(2): A = [1 1; −1 0; 0 −1],
 * b = (t, 0, 0). Solution x = (t/2, t/2), equality dual y₀ = 1 − t/2, the
 * bounds inactive. For the loss L = x₁: ∂L/∂c = (−½, ½), ∂L/∂b₀ = ½.
 *
 * The equality row and the two bound rows are passed as two row blocks
 * (each its own buffer), as a front end with Ax = b and Gx <= h would.
 *
 * Then a cone with a parameter (power_cone): maximize t subject to
 * (2, 3, t) in the power cone x^a y^(1-a) >= |z| with a = 0.3, i.e.
 * t = 2^0.3 3^0.7, with dt/db = (a t/2, (1-a) t/3, 0); an alpha outside
 * (0, 1) is refused with LPGD_E_ARGUMENT.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lpgd.h"

#define N 2
#define M 3
#define BATCH 2

static int failures = 0;

static void expect(const char *what, int k, double got, double want) {
    if (!(fabs(got - want) <= 1e-6)) {
        fprintf(stderr, "mismatch: %s of batch element %d is %.10g, want %.10g\n", what, k, got, want);
        failures++;
    }
}

static int ok(int32_t code, const char *call, const char *err) {
    if (code == LPGD_OK) {
        return 1;
    }
    fprintf(stderr, "%s failed: %s: %s\n", call, lpgd_error_message(code), err);
    return 0;
}

/* maximize t s.t. (2, 3, t) in K_pow(0.3), forward and KKT backward; returns
 * 0 on a call failure (mismatches are counted in failures). */
static int power_cone(void) {
    char err[512] = "";
    const double a = 0.3;
    lpgd_cone cone = {LPGD_CONE_POW, 3, a};
    lpgd_structure_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.n = 1;
    desc.cones = &cone;
    desc.ncones = 1;
    desc.P.layout = LPGD_LAYOUT_NONE;
    desc.A.layout = LPGD_LAYOUT_DENSE;
    uint64_t h = 0;
    cone.param = 1.5;
    if (lpgd_structure_new(&desc, &h, err, sizeof err) != LPGD_E_ARGUMENT) {
        fprintf(stderr, "power cone alpha 1.5 was not refused\n");
        failures++;
    }
    cone.param = a;
    if (!ok(lpgd_structure_new(&desc, &h, err, sizeof err), "lpgd_structure_new (pow)", err)) {
        return 0;
    }
    const double c[1] = {-1};
    const double A[3] = {0, 0, -1};
    const double b[3] = {2, 3, 0};
    const lpgd_row_block block = {3, {A, 0}, {b, 0}};
    lpgd_values values = {{NULL, 0}, {c, 0}, &block, 1, 0.0, 0.0};
    double x[1], y[3], s[3], info[LPGD_INFO_COLS];
    int32_t status[1];
    lpgd_solution sol = {x, y, s, status, info, NULL, 0};
    lpgd_settings settings;
    lpgd_default_settings(&settings);
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-10;
    if (!ok(lpgd_solve(h, &settings, 1, &values, &sol, err, sizeof err), "lpgd_solve (pow)", err)) {
        return 0;
    }
    const double t = pow(2, a) * pow(3, 1 - a);
    if (status[0] != LPGD_STATUS_SOLVED) {
        fprintf(stderr, "power cone: status %d\n", status[0]);
        failures++;
    }
    expect("power cone t", 0, x[0], t);
    const double gx[1] = {1};
    lpgd_incoming incoming = {gx, NULL, NULL};
    double gc[1], gA[3], gb[3];
    int32_t out_status[1], flags[1];
    lpgd_gradients grads = {NULL, gc, gA, gb, out_status, flags, NULL, 0};
    lpgd_backward_opts opts;
    lpgd_default_backward(&opts);
    opts.method = LPGD_BACKWARD_KKT;
    if (!ok(lpgd_backward(h, &settings, &opts, 1, &values, &sol, &incoming, &grads, err, sizeof err),
            "lpgd_backward (pow)", err)) {
        return 0;
    }
    expect("power cone dt/db[0]", 0, gb[0], a * t / 2);
    expect("power cone dt/db[1]", 0, gb[1], (1 - a) * t / 3);
    if (lpgd_structure_free(h) != LPGD_OK) {
        fprintf(stderr, "power cone handle not released\n");
        failures++;
    }
    return 1;
}

int main(void) {
    char err[512] = "";
    if (lpgd_abi_version() != LPGD_ABI_VERSION) {
        fprintf(stderr, "library ABI %d, header ABI %d\n", lpgd_abi_version(), LPGD_ABI_VERSION);
        return 1;
    }

    /* Structure: dense P (upper triangle), dense A, cones Zero(1) × Nonneg(2). */
    const lpgd_cone cones[] = {{LPGD_CONE_ZERO, 1, 0.0}, {LPGD_CONE_NONNEG, 2, 0.0}};
    lpgd_structure_desc desc;
    memset(&desc, 0, sizeof desc);
    desc.n = N;
    desc.cones = cones;
    desc.ncones = 2;
    desc.P.layout = LPGD_LAYOUT_DENSE;
    desc.A.layout = LPGD_LAYOUT_DENSE;
    uint64_t h = 0;
    if (!ok(lpgd_structure_new(&desc, &h, err, sizeof err), "lpgd_structure_new", err)) {
        return 1;
    }
    lpgd_sizes sizes;
    if (!ok(lpgd_structure_info(h, &sizes), "lpgd_structure_info", "") || sizes.m != M) {
        return 1;
    }

    /* Values: P, c and the bound rows shared (stride 0); b of the equality
     * block batched (stride 1). */
    const double P[N * N] = {1, 0, 0, 1};
    const double c[N] = {-1, -1};
    const double A_eq[1 * N] = {1, 1};
    const double b_eq[BATCH] = {1.0, 3.0}; /* t per batch element */
    const double G[2 * N] = {-1, 0, 0, -1};
    const double h_ineq[2] = {0, 0};
    const lpgd_row_block blocks[2] = {
        {1, {A_eq, 0}, {b_eq, 1}},
        {2, {G, 0}, {h_ineq, 0}},
    };
    /* psd_sym_tol, psd_shift: lpgd_solve also checks that P is symmetric
     * positive semidefinite (as lpgd_check_psd does). */
    lpgd_values values = {{P, 0}, {c, 0}, blocks, 2, 1e-12, 1e-8};

    double x[BATCH * N], y[BATCH * M], s[BATCH * M], info[BATCH * LPGD_INFO_COLS];
    int32_t status[BATCH];
    /* Optional: room for each sample's factorization record, which the kkt
     * backward below solves with instead of factoring again (factor_len 0:
     * this structure's solves write none). */
    double *factor = NULL;
    if (sizes.factor_len > 0) {
        factor = calloc((size_t)(BATCH * sizes.factor_len), sizeof(double));
    }
    lpgd_solution sol = {x, y, s, status, info, factor, factor ? sizes.factor_len : 0};
    lpgd_settings settings;
    lpgd_default_settings(&settings);
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-10;
    if (!ok(lpgd_solve(h, &settings, BATCH, &values, &sol, err, sizeof err), "lpgd_solve", err)) {
        return 1;
    }
    for (int k = 0; k < BATCH; k++) {
        double t = b_eq[k];
        if (status[k] != LPGD_STATUS_SOLVED) {
            fprintf(stderr, "batch element %d: status %d\n", k, status[k]);
            failures++;
        }
        expect("x[0]", k, x[k * N + 0], t / 2);
        expect("x[1]", k, x[k * N + 1], t / 2);
        expect("y[0]", k, y[k * M + 0], 1 - t / 2);
    }

    /* Backward of L = x₁ with the exact KKT method. */
    const double gx[BATCH * N] = {1, 0, 1, 0};
    lpgd_incoming incoming = {gx, NULL, NULL};
    double gP[BATCH * N * N], gc[BATCH * N], gA[BATCH * M * N], gb[BATCH * M];
    int32_t out_status[BATCH], flags[BATCH];
    lpgd_gradients grads = {gP, gc, gA, gb, out_status, flags, NULL, 0}; /* sample-major */
    lpgd_backward_opts opts;
    lpgd_default_backward(&opts);
    opts.method = LPGD_BACKWARD_KKT;
    if (!ok(lpgd_backward(h, &settings, &opts, BATCH, &values, &sol, &incoming, &grads, err, sizeof err),
            "lpgd_backward", err)) {
        return 1;
    }
    for (int k = 0; k < BATCH; k++) {
        if (out_status[k] != LPGD_STATUS_SOLVED) {
            fprintf(stderr, "batch element %d: backward status %d\n", k, out_status[k]);
            failures++;
        }
        expect("dL/dc[0]", k, gc[k * N + 0], -0.5);
        expect("dL/dc[1]", k, gc[k * N + 1], 0.5);
        expect("dL/db[0]", k, gb[k * M + 0], 0.5);
        expect("dL/db[1]", k, gb[k * M + 1], 0.0);
    }
    /* The same two calls through the one-pointer entries (a binding that
     * pays per argument keeps these structs and rewrites what changes):
     * the same outputs, bit for bit (x and dL/dc overwritten with NaNs
     * first: the packed calls must write them again). */
    double x1[BATCH * N], gc1[BATCH * N];
    memcpy(x1, x, sizeof x);
    memcpy(gc1, gc, sizeof gc);
    memset(x, 0xff, sizeof x);
    memset(gc, 0xff, sizeof gc);
    const lpgd_solve_args solve_args = {h, &settings, BATCH, &values, &sol, err, sizeof err};
    const lpgd_backward_args backward_args = {h, &settings, &opts, BATCH, &values, &sol, &incoming, &grads,
                                              err, sizeof err};
    if (!ok(lpgd_solve_packed(&solve_args), "lpgd_solve_packed", err)) {
        return 1;
    }
    if (memcmp(x1, x, sizeof x) != 0) {
        fprintf(stderr, "the packed solve's x differs from the positional solve's\n");
        failures++;
    }
    if (!ok(lpgd_backward_packed(&backward_args), "lpgd_backward_packed", err)) {
        return 1;
    }
    if (memcmp(gc1, gc, sizeof gc) != 0) {
        fprintf(stderr, "the packed backward's dL/dc differs from the positional backward's\n");
        failures++;
    }
    if (lpgd_solve_packed(NULL) != LPGD_E_ARGUMENT || lpgd_backward_packed(NULL) != LPGD_E_ARGUMENT) {
        fprintf(stderr, "a NULL lpgd_solve_args or lpgd_backward_args was not reported\n");
        failures++;
    }
    free(factor);
    sol.factor = NULL;
    sol.factor_len = 0;

    /* Call errors come back as codes with a message, never a crash. */
    if (lpgd_solve(h + 1000, NULL, 1, &values, &sol, err, sizeof err) != LPGD_E_HANDLE) {
        fprintf(stderr, "a bad handle was not reported\n");
        failures++;
    }
    const double P_indef[N * N] = {1, 0, 0, -1};
    lpgd_values indef = values;
    indef.P.data = P_indef;
    if (lpgd_solve(h, NULL, BATCH, &indef, &sol, err, sizeof err) != LPGD_E_DATA) {
        fprintf(stderr, "an indefinite P was not reported\n");
        failures++;
    }
    if (!power_cone()) {
        return 1;
    }
    if (lpgd_structure_free(h) != LPGD_OK || lpgd_handle_count() != 0) {
        fprintf(stderr, "handle not released\n");
        failures++;
    }
    if (failures) {
        fprintf(stderr, "example: %d mismatches\n", failures);
        return 1;
    }
    printf("example: x, y and the KKT gradients match the closed form for t = 1, 3 and for a power cone\n");
    return 0;
}
