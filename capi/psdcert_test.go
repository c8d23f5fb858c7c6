package main

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/lpgd-go/lpgd_go/gocore/linsys"
)

// orthogonal returns a random n×n orthogonal matrix (row-major), by
// modified Gram–Schmidt twice on a Gaussian matrix.
func orthogonal(rng *rand.Rand, n int) []float64 {
	q := make([]float64, n*n)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < n; i++ {
			qi := q[i*n : i*n+n]
			for j := 0; j < i; j++ {
				qj := q[j*n : j*n+n]
				var s float64
				for c := range qi {
					s += qi[c] * qj[c]
				}
				for c := range qi {
					qi[c] -= s * qj[c]
				}
			}
			var s float64
			for _, v := range qi {
				s += v * v
			}
			s = math.Sqrt(s)
			for c := range qi {
				qi[c] /= s
			}
		}
	}
	return q
}

// thresholdP returns a symmetric n×n P = QΛQᵀ (row-major, both triangles
// equal) with eigenvalues spread over [0.1, 10]·scale but the smallest,
// −t·shift·max(1, ‖P‖_F) to first order: t = 1 is the explicit PSD test's
// threshold.
func thresholdP(rng *rand.Rand, n int, scale, t, shift float64) []float64 {
	q := orthogonal(rng, n)
	lam := make([]float64, n)
	var fro2 float64
	for i := range lam {
		lam[i] = scale * math.Exp(math.Log(0.1)+rng.Float64()*math.Log(100))
		fro2 += lam[i] * lam[i]
	}
	lam[0] = -t * shift * math.Max(1, math.Sqrt(fro2))
	p := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for c := 0; c < n; c++ {
				s += q[c*n+i] * lam[c] * q[c*n+j]
			}
			p[i*n+j], p[j*n+i] = s, s
		}
	}
	return p
}

// TestPSDCertifiedSound: psdCertified never accepts a P that the explicit
// test (linsys.ShiftedCholeskyOKScan) rejects, given its premise (an x
// block whose Cholesky factorization succeeds). Seeded matrices at and
// around the threshold shift (λ_min = −t·d, t from 0 to 10), random Ruiz
// and cost scalings, x = k·DPD + δI with δ from 0 to 10⁻⁴·scale (a large
// δ makes the x block definite for a P the test rejects: the certificate
// must see δ), with off-diagonal noise, and of another matrix with P's
// diagonal (the certificate must compare the off-diagonal part); every outcome occurs:
// certified, left to the explicit test and accepted by it, and a rejected
// P whose x block factors.
func TestPSDCertifiedSound(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	const shift = 1e-8
	seen := map[string]int{}
	for _, n := range []int{16, 17, 24, 50, 100, 150} {
		work := make([]float64, n*n)
		for trial := 0; trial < 24; trial++ {
			tt := []float64{0, 0.5, 0.9, 0.99, 0.999, 1, 1.001, 1.01, 1.1, 2, 10, 1e3}[trial%12]
			scale := math.Exp(rng.NormFloat64() * 3)
			p := thresholdP(rng, n, scale, tt, shift)
			sc := linsys.ScanSquare(p, n)
			want := linsys.ShiftedCholeskyOKScan(p, n, shift, sc, work)
			d := make([]float64, n)
			for i := range d {
				d[i] = math.Exp(rng.NormFloat64())
			}
			k := math.Exp(rng.NormFloat64() * 2)
			// A definite matrix with P's diagonal: an x block of it has
			// P's diagonal but not its off-diagonal entries.
			alien := thresholdP(rng, n, scale, 0, shift)
			for i := 0; i < n; i++ {
				alien[i*n+i] = p[i*n+i]
			}
			for _, delta := range []float64{0, 1e-14, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-4} {
				for _, noise := range []float64{0, 1e-15, 1e-9, -1} {
					src := p
					if noise < 0 {
						src, noise = alien, 0
					}
					x := make([]float64, n*n)
					var xmax float64
					for i := 0; i < n; i++ {
						for j := 0; j <= i; j++ {
							v := k * d[i] * d[j] * src[i*n+j]
							if j < i {
								v *= 1 + noise*rng.NormFloat64()
							}
							x[i*n+j], x[j*n+i] = v, v
							xmax = math.Max(xmax, math.Abs(v))
						}
					}
					for i := 0; i < n; i++ {
						x[i*n+i] += delta * xmax
					}
					if !linsys.ShiftedCholeskyOK(x, n, 0, work) {
						continue // not the certificate's premise
					}
					got := psdCertified(p, n, shift, sc, x, d, k)
					switch {
					case got && !want:
						t.Fatalf("n=%d t=%g δ=%g noise=%g: certified a P the explicit test rejects", n, tt, delta, noise)
					case got:
						seen["certified"]++
					case want:
						seen["explicit accepts"]++
					default:
						seen["rejected, x block factors"]++
					}
				}
			}
		}
	}
	for _, k := range []string{"certified", "explicit accepts", "rejected, x block factors"} {
		if seen[k] == 0 {
			t.Errorf("outcome %q never occurred: %v", k, seen)
		}
	}
	t.Log(seen)
}

// TestPSDCertifiedGuards: psdCertified refuses what its argument does not
// cover: orders outside [1, psdCertMax), short slices, a non-positive or
// non-finite scaling, and an x block that is not k·DPD (another
// problem's).
func TestPSDCertifiedGuards(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	const n, shift = 20, 1e-8
	p := thresholdP(rng, n, 1, 0, shift)
	sc := linsys.ScanSquare(p, n)
	d := make([]float64, n)
	for i := range d {
		d[i] = 1
	}
	x := append([]float64(nil), p...)
	if !psdCertified(p, n, shift, sc, x, d, 1) {
		t.Fatal("x = P (D = I, k = 1) of a definite P not certified")
	}
	other := thresholdP(rng, n, 1, 0, shift)
	bad := func(f func(d []float64)) []float64 {
		e := append([]float64(nil), d...)
		f(e)
		return e
	}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"another P's x block", psdCertified(p, n, shift, sc, other, d, 1)},
		{"short x", psdCertified(p, n, shift, sc, x[:n*n-1], d, 1)},
		{"short D", psdCertified(p, n, shift, sc, x, d[:n-1], 1)},
		{"zero D entry", psdCertified(p, n, shift, sc, x, bad(func(e []float64) { e[3] = 0 }), 1)},
		{"NaN D entry", psdCertified(p, n, shift, sc, x, bad(func(e []float64) { e[3] = math.NaN() }), 1)},
		{"k = 0", psdCertified(p, n, shift, sc, x, d, 0)},
		{"k = NaN", psdCertified(p, n, shift, sc, x, d, math.NaN())},
		{"shift 0", psdCertified(p, n, 0, sc, x, d, 1)},
		{"n = 0", psdCertified(p, 0, shift, sc, x, d, 1)},
		{"n = psdCertMax", psdCertified(make([]float64, psdCertMax*psdCertMax), psdCertMax, shift, sc,
			make([]float64, psdCertMax*psdCertMax), make([]float64, psdCertMax), 1)},
	} {
		if tc.ok {
			t.Errorf("%s: certified", tc.name)
		}
	}
}

// TestSolvePSDCertificate: lpgd_solve at B = 1 takes the PSD test of the
// BPQP study's QPs (n = 50, 100) from the solve's factorization (no
// second factorization of P) but not its LPs' diagonal P, and at and around the threshold shift
// (λ_min = −t·d) its verdict is lpgd_check_psd's, with the same message
// — whether the solver certified, the explicit test decided, or the
// call was cancelled before the solve (the tests come first).
func TestSolvePSDCertificate(t *testing.T) {
	for _, sz := range [][2]int{{50, 10}, {100, 20}} {
		t.Run(fmt.Sprintf("bpqp %dx%d", sz[0], sz[1]), func(t *testing.T) {
			q := bpqpInstance(rand.New(rand.NewSource(int64(sz[0]))), sz[0], sz[1], false)
			h, code, msg := testNewDense(q)
			if code != codeOK {
				t.Fatal(code, msg)
			}
			defer testFree(h)
			before := psdCertCount.Load()
			for i := 0; i < 3; i++ {
				if out := testSolve(h, q, 1, q.m(), 0); out.code != codeOK {
					t.Fatal(out.code, out.msg)
				}
			}
			if got := psdCertCount.Load() - before; got != 3 {
				t.Errorf("%d of 3 PSD tests certified by the solve", got)
			}
			// The study's LP (P = εI): decided by its diagonal signs up
			// front, cheaper than the certificate's pass over P.
			lp := bpqpInstance(rand.New(rand.NewSource(int64(sz[0]))), sz[0], sz[1], true)
			before = psdCertCount.Load()
			if out := testSolve(h, lp, 1, lp.m(), 0); out.code != codeOK {
				t.Fatal(out.code, out.msg)
			}
			if got := psdCertCount.Load() - before; got != 0 {
				t.Errorf("the ε-ridge LP's P went through the certificate")
			}
		})
	}
	rng := rand.New(rand.NewSource(8))
	const shift = 1e-8
	seen := map[bool]int{}
	for _, n := range []int{16, 40} {
		for _, tt := range []float64{0, 0.9, 0.999, 1, 1.001, 1.1, 2, 1e4} {
			for _, cancelled := range []bool{false, true} {
				p := thresholdP(rng, n, 1, tt, shift)
				q := &testDenseQP{n: n, nonneg: n, hasP: true, P: p, c: make([]float64, n),
					A: make([]float64, n*n), b: make([]float64, n), psdSymTol: 1e3 * 2.220446049250313e-16, psdShift: shift}
				for i := 0; i < n; i++ {
					q.A[i*n+i] = -1 // x ≥ 0
					q.c[i] = 1
				}
				h, code, msg := testNewDense(q)
				if code != codeOK {
					t.Fatal(code, msg)
				}
				ccode, _, _, info := testCheckPSD(n, 1, p, false, q.psdSymTol)
				if ccode != codeOK {
					t.Fatal("check_psd", ccode)
				}
				var out testSolveOut
				if cancelled {
					out = testSolveCancelled(h, q, 1)
				} else {
					out = testSolve(h, q, 1, q.m(), 0)
				}
				testFree(h)
				accepted := info[0] == 0
				seen[accepted]++
				switch {
				case accepted && out.code == codeData:
					t.Errorf("n=%d t=%g cancelled=%v: lpgd_solve rejects what check_psd accepts: %s", n, tt, cancelled, out.msg)
				case !accepted && (out.code != codeData || !strings.Contains(out.msg, "P is not positive semidefinite")):
					t.Errorf("n=%d t=%g cancelled=%v: lpgd_solve %d %q on a P check_psd rejects", n, tt, cancelled, out.code, out.msg)
				}
			}
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Errorf("outcomes %v: want both verdicts", seen)
	}
}

// diagShiftPositive finds a diagonal entry at or below −d and only such.
func TestDiagShiftPositive(t *testing.T) {
	const n, shift = 3, 0.5
	p := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	sc := linsys.ScanSquare(p, n) // ‖P‖_F = √3: d = 0.866…
	if !diagShiftPositive(p, n, shift, sc) {
		t.Fatal("identity rejected")
	}
	p[4] = -0.8
	if !diagShiftPositive(p, n, shift, linsys.ScanSquare(p, n)) {
		t.Fatal("−0.8 with d ≈ 0.81 rejected")
	}
	p[4] = -0.9
	if diagShiftPositive(p, n, shift, linsys.ScanSquare(p, n)) {
		t.Fatal("−0.9 with d ≈ 0.84 accepted")
	}
}

// TestPSDCertifiedUnderflow: the certificate's bounds cover underflow. The
// reviewer's case: the off-diagonal difference f = −10⁻¹⁶³ between x and
// k·DPD squares to an underflow (0), so that without the underflow terms
// x = 7.5·10⁻¹⁶³·I would pass for k·DPD itself; and a k·min D² near
// underflow is refused.
func TestPSDCertifiedUnderflow(t *testing.T) {
	const n, k, shift = 16, 1e-150, 5e-13
	x := make([]float64, n*n)
	p := make([]float64, n*n)
	d := make([]float64, n)
	for i := 0; i < n; i++ {
		d[i] = 1
		for j := 0; j < n; j++ {
			if i == j {
				x[i*n+j] = 7.5e-163
				p[i*n+j] = 7.5e-163 / k
			} else {
				p[i*n+j] = 1e-163 / k
			}
		}
	}
	if psdCertified(p, n, shift, linsys.ScanSquare(p, n), x, d, k) {
		t.Error("x = 7.5e-163·I certifies P = (x + 1e-163·(J − I))/k: the underflowed f² were taken as 0")
	}
	// Positive control, the same k and order: x = k·P exactly for
	// P = 6.5I + J (entries of x ~1e-150, normal), shift 1e-8.
	p2 := make([]float64, n*n)
	x2 := make([]float64, n*n)
	for i := range p2 {
		p2[i] = 1
		if i%(n+1) == 0 {
			p2[i] = 7.5
		}
		x2[i] = k * p2[i]
	}
	if !psdCertified(p2, n, 1e-8, linsys.ScanSquare(p2, n), x2, d, k) {
		t.Error("x = k·P, P = 6.5I + J, k = 1e-150 not certified")
	}
	// k·min D² = 10⁻³⁰⁰: refused whatever x is.
	q := thresholdP(rand.New(rand.NewSource(3)), n, 1, 0, shift)
	tiny := make([]float64, n)
	xq := make([]float64, n*n)
	for i := range tiny {
		tiny[i] = 1e-75
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			xq[i*n+j] = k * tiny[i] * tiny[j] * q[i*n+j]
		}
	}
	if psdCertified(q, n, shift, linsys.ScanSquare(q, n), xq, tiny, k) {
		t.Error("k·min D² = 1e-300 certified")
	}
}

// rejectQPs are problems (x ≥ 0, c = 1, m = n) whose P the PSD test
// rejects while every diagonal entry of P + dI is positive (the deferred
// test's case): 2I − J and λ_min = −t·d (t = 1.1, 2, 10).
func rejectQPs(rng *rand.Rand, shift float64) map[string]*testDenseQP {
	qp := func(n int, p []float64) *testDenseQP {
		q := &testDenseQP{n: n, nonneg: n, hasP: true, P: p, c: make([]float64, n),
			A: make([]float64, n*n), b: make([]float64, n), psdSymTol: 1e3 * 2.220446049250313e-16, psdShift: shift}
		for i := 0; i < n; i++ {
			q.A[i*n+i] = -1
			q.c[i] = 1
		}
		return q
	}
	out := map[string]*testDenseQP{}
	for _, n := range []int{40, 100} {
		j := make([]float64, n*n)
		for i := range j {
			j[i] = -1
		}
		for i := 0; i < n; i++ {
			j[i*n+i] = 1
		}
		out[fmt.Sprintf("n=%d 2I-J", n)] = qp(n, j)
		for _, tt := range []float64{1.1, 2, 10} {
			out[fmt.Sprintf("n=%d t=%g", n, tt)] = qp(n, thresholdP(rng, n, 1, tt, shift))
		}
	}
	return out
}

// TestSolvePSDRejectEarly: at B = 1 a P that the deferred PSD test rejects
// stops the solve right after its first factorization (CheckXBlock: no
// interior-point iteration), and the call's outputs are those of the test
// before the solve: the PSD error, status 0, NaN solutions, the info row
// untouched, the factor record's 8 header words cleared and the rest
// untouched (a solve that went on would polish and write it).
func TestSolvePSDRejectEarly(t *testing.T) {
	const shift, fill = 1e-8, 42.0
	for name, q := range rejectQPs(rand.New(rand.NewSource(12)), shift) {
		t.Run(name, func(t *testing.T) {
			h, code, msg := testNewDense(q)
			if code != codeOK {
				t.Fatal(code, msg)
			}
			defer testFree(h)
			fl := testFactorLen(h)
			if fl <= 8 {
				t.Fatalf("factor_len %d: the structure exports no record", fl)
			}
			checks, iters := psdCheckCount.Load(), psdRejectIters.Load()
			out := testSolveFilled(h, q, fl, fill)
			if out.code != codeData || !strings.Contains(out.msg, "P is not positive semidefinite") {
				t.Fatalf("code %d %q", out.code, out.msg)
			}
			if got := psdCheckCount.Load() - checks; got != 1 {
				t.Errorf("%d deferred checks, want 1 (the test was not deferred)", got)
			}
			if got := psdRejectIters.Load() - iters; got != 0 {
				t.Errorf("the rejected P's solve ran %d iterations", got)
			}
			if out.status[0] != 0 {
				t.Errorf("status %d", out.status[0])
			}
			for _, v := range [][]float64{out.x, out.y, out.s} {
				for i, e := range v {
					if !math.IsNaN(e) {
						t.Fatalf("solution entry %d = %g, want NaN", i, e)
					}
				}
			}
			for i, e := range out.info {
				if e != fill {
					t.Errorf("info[%d] = %g, untouched is %g", i, e, fill)
				}
			}
			for i, e := range out.rec {
				if want := map[bool]float64{true: 0, false: fill}[i < 8]; e != want {
					t.Fatalf("factor record word %d = %g, want %g", i, e, want)
				}
			}
		})
	}
}
