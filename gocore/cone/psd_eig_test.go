package cone

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

// TestTridiagMinEig checks the step length's smallest eigenvalue
// (Householder tridiagonalization + Sturm bisection) against the Jacobi
// eigenvalues on random symmetric matrices, low-rank ones with repeated
// zero eigenvalues and diagonal ones, for floors above, between and below
// the spectrum.
func TestTridiagMinEig(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, d := range []int{1, 2, 3, 5, 10, 16} {
		for trial := 0; trial < 20; trial++ {
			a := make([]float64, d*d)
			switch trial % 3 {
			case 0: // dense
				for i := 0; i < d; i++ {
					for j := 0; j <= i; j++ {
						v := rng.NormFloat64() * math.Pow(10, float64(rng.Intn(5)-2))
						a[i*d+j], a[j*d+i] = v, v
					}
				}
			case 1: // rank one: eigenvalue 0 with multiplicity d − 1
				u := make([]float64, d)
				for i := range u {
					u[i] = rng.NormFloat64()
				}
				sign := 1.0
				if rng.Intn(2) == 0 {
					sign = -1
				}
				for i := 0; i < d; i++ {
					for j := 0; j < d; j++ {
						a[i*d+j] = sign * u[i] * u[j]
					}
				}
			default: // diagonal
				for i := 0; i < d; i++ {
					a[i*d+i] = rng.NormFloat64()
				}
			}
			b := append([]float64(nil), a...)
			q, w := make([]float64, d*d), make([]float64, d)
			symEigen(b, q, w, d)
			want, scale := math.Inf(1), 0.0
			for _, e := range w {
				want = math.Min(want, e)
				scale = math.Max(scale, math.Abs(e))
			}
			for _, floor := range []float64{want - 1, want + 1e-3*(1+scale), 0, -1e-3} {
				c := append([]float64(nil), a...)
				diag, off := make([]float64, d), make([]float64, d)
				tridiagonalize(c, diag, off, d)
				got := tridiagMinEig(diag, off[:max(d-1, 0)], floor)
				exp := math.Min(want, floor)
				if want >= floor {
					exp = floor
				}
				if math.Abs(got-exp) > 1e-12*math.Max(1, scale) {
					t.Errorf("d=%d trial %d floor %g: got %.17g, want %.17g (λ %v)", d, trial, floor, got, exp, w)
				}
			}
		}
	}
}

// symEigenJacobi computes the eigen-decomposition a = Q diag(w) Qᵀ of the
// symmetric row-major d×d matrix a by the cyclic Jacobi method, which is
// accurate for small matrices (symEigen before the QL method; the
// tests' reference). a is destroyed; q receives the eigenvectors
// as columns and w the eigenvalues (unsorted).
func symEigenJacobi(a, q, w []float64, d int) {
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			q[i*d+j] = 0
		}
		q[i*d+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for i := 0; i < d; i++ {
			diag += a[i*d+i] * a[i*d+i]
			for j := i + 1; j < d; j++ {
				off += a[i*d+j] * a[i*d+j]
			}
		}
		if off <= 1e-32*diag || off == 0 {
			break
		}
		for p := 0; p < d; p++ {
			for r := p + 1; r < d; r++ {
				apr := a[p*d+r]
				if apr == 0 {
					continue
				}
				app, arr := a[p*d+p], a[r*d+r]
				theta := (arr - app) / (2 * apr)
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				// a ← Jᵀ a J with J the rotation in the (p, r) plane.
				for k := 0; k < d; k++ {
					akp, akr := a[k*d+p], a[k*d+r]
					a[k*d+p] = c*akp - s*akr
					a[k*d+r] = s*akp + c*akr
				}
				for k := 0; k < d; k++ {
					apk, ark := a[p*d+k], a[r*d+k]
					a[p*d+k] = c*apk - s*ark
					a[r*d+k] = s*apk + c*ark
				}
				a[p*d+r], a[r*d+p] = 0, 0
				for k := 0; k < d; k++ {
					qkp, qkr := q[k*d+p], q[k*d+r]
					q[k*d+p] = c*qkp - s*qkr
					q[k*d+r] = s*qkp + c*qkr
				}
			}
		}
	}
	for i := 0; i < d; i++ {
		w[i] = a[i*d+i]
	}
}

// TestSymEigenQL checks the QL eigen-decomposition against the Jacobi
// reference on random, low-rank, repeated-eigenvalue, diagonal, zero and
// graded symmetric matrices (d = 1…16): reconstruction and orthogonality to
// 1e-13 relative, eigenvalues within 1e-13·‖a‖ of Jacobi's; and a NaN input
// returns (NaNs) instead of looping or panicking.
func TestSymEigenQL(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	kinds := []string{"random", "lowrank", "repeated", "diagonal", "zero", "graded"}
	for _, d := range []int{1, 2, 3, 5, 10, 12, 16} {
		for _, kind := range kinds {
			a := make([]float64, d*d)
			switch kind {
			case "random":
				for i := 0; i < d; i++ {
					for j := 0; j <= i; j++ {
						a[i*d+j] = rng.NormFloat64()
						a[j*d+i] = a[i*d+j]
					}
				}
			case "lowrank", "repeated":
				// Q diag(λ) Qᵀ with λ ∈ {0, 1} (rank ~d/3) or all 2 but one.
				g := make([]float64, d*d)
				for i := range g {
					g[i] = rng.NormFloat64()
				}
				q, w := make([]float64, d*d), make([]float64, d)
				symEigenJacobi(append([]float64(nil), addT(g, d)...), q, w, d)
				for k := 0; k < d; k++ {
					lam := 2.0
					if kind == "lowrank" {
						lam = float64((k % 3) / 2)
					} else if k == 0 {
						lam = -1
					}
					for i := 0; i < d; i++ {
						for j := 0; j < d; j++ {
							a[i*d+j] += lam * q[i*d+k] * q[j*d+k]
						}
					}
				}
			case "diagonal":
				for i := 0; i < d; i++ {
					a[i*d+i] = rng.NormFloat64()
				}
			case "graded":
				for i := 0; i < d; i++ {
					for j := 0; j <= i; j++ {
						a[i*d+j] = rng.NormFloat64() * math.Pow(10, -float64(i+j)/2)
						a[j*d+i] = a[i*d+j]
					}
				}
			}
			var norm float64
			for _, x := range a {
				norm = math.Max(norm, math.Abs(x))
			}
			q, w := make([]float64, d*d), make([]float64, d)
			symEigen(append([]float64(nil), a...), q, w, d)
			qj, wj := make([]float64, d*d), make([]float64, d)
			symEigenJacobi(append([]float64(nil), a...), qj, wj, d)
			sort.Float64s(wj)
			ws := append([]float64(nil), w...)
			sort.Float64s(ws)
			for k := range ws {
				if math.Abs(ws[k]-wj[k]) > 1e-13*math.Max(norm, 1e-300)*float64(d) {
					t.Errorf("d=%d %s: eigenvalue %d: %g, Jacobi %g", d, kind, k, ws[k], wj[k])
				}
			}
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					var rec, orth float64
					for k := 0; k < d; k++ {
						rec += q[i*d+k] * w[k] * q[j*d+k]
						orth += q[k*d+i] * q[k*d+j]
					}
					if i == j {
						orth--
					}
					if math.Abs(rec-a[i*d+j]) > 1e-13*math.Max(norm, 1e-300)*float64(d) || math.Abs(orth) > 1e-13*float64(d) {
						t.Fatalf("d=%d %s: entry (%d,%d): reconstruction %g vs %g, orthogonality error %g", d, kind, i, j, rec, a[i*d+j], orth)
					}
				}
			}
		}
	}
	nan := []float64{1, math.NaN(), math.NaN(), 2}
	q, w := make([]float64, 4), make([]float64, 2)
	symEigen(nan, q, w, 2)
	if !math.IsNaN(w[0]) && !math.IsNaN(w[1]) {
		t.Errorf("NaN input: eigenvalues %v, want NaN", w)
	}
}

// addT returns g + gᵀ (row-major d×d).
func addT(g []float64, d int) []float64 {
	s := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			s[i*d+j] = g[i*d+j] + g[j*d+i]
		}
	}
	return s
}

// svdJacobiPlain is svdJacobi as it was before the tracked column norms
// (all three inner products formed for every pair): the reference of
// TestSVDJacobiGraded.
func svdJacobiPlain(a, v, sig []float64, d int) {
	transposeSquare(a, d)
	for i := range v[:d*d] {
		v[i] = 0
	}
	for i := 0; i < d; i++ {
		v[i*d+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		rotated := false
		for p := 0; p < d; p++ {
			ap, vp := a[p*d:(p+1)*d], v[p*d:(p+1)*d]
			for r := p + 1; r < d; r++ {
				ar, vr := a[r*d:(r+1)*d], v[r*d:(r+1)*d]
				alpha, beta, gamma := sqNorm(ap), sqNorm(ar), 0.0
				for k, x := range ap {
					gamma += x * ar[k]
				}
				if gamma == 0 || math.Abs(gamma) <= 1e-15*math.Sqrt(alpha*beta) {
					continue
				}
				rotated = true
				zeta := (beta - alpha) / (2 * gamma)
				t := 1 / (math.Abs(zeta) + math.Sqrt(1+zeta*zeta))
				if zeta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(1+t*t)
				s := c * t
				for k, x := range ap {
					ap[k], ar[k] = c*x-s*ar[k], s*x+c*ar[k]
				}
				for k, x := range vp {
					vp[k], vr[k] = c*x-s*vr[k], s*x+c*vr[k]
				}
			}
		}
		if !rotated {
			break
		}
	}
	for j := 0; j < d; j++ {
		sig[j] = math.Sqrt(sqNorm(a[j*d : (j+1)*d]))
	}
}

// The tracked column norms of svdJacobi keep the one-sided method's
// relative accuracy: on graded matrices B·D (B well conditioned, D spanning
// up to 14 orders of magnitude, the shape of L₂ᵀL₁ near a solution) the
// singular values agree with the plain method's to 1e-12 relative, U and V
// are orthogonal and U·diag(σ)·Vᵀ reconstructs the matrix.
func TestSVDJacobiGraded(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	for _, tc := range []struct {
		d      int
		spread float64 // log10 of the largest over the smallest column scale
	}{{2, 0}, {3, 4}, {6, 8}, {10, 10}, {12, 0}, {12, 6}, {12, 14}} {
		for trial := 0; trial < 20; trial++ {
			d := tc.d
			a := make([]float64, d*d)
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					a[i*d+j] = rng.NormFloat64() * math.Pow(10, -tc.spread*float64(j)/float64(max(d-1, 1)))
				}
			}
			u, v, sig := append([]float64(nil), a...), make([]float64, d*d), make([]float64, d)
			svdJacobi(u, v, sig, make([]float64, d), d)
			ur, vr, sr := append([]float64(nil), a...), make([]float64, d*d), make([]float64, d)
			svdJacobiPlain(ur, vr, sr, d)
			got, want := append([]float64(nil), sig...), append([]float64(nil), sr...)
			sort.Float64s(got)
			sort.Float64s(want)
			for i := range got {
				if e := math.Abs(got[i]-want[i]) / want[i]; e > 1e-12 {
					t.Fatalf("d=%d spread %g trial %d: σ%d = %.17g, plain %.17g (rel %.1e)", d, tc.spread, trial, i, got[i], want[i], e)
				}
			}
			us := make([]float64, d*d)
			for i := 0; i < d; i++ {
				for j := 0; j < d; j++ {
					us[i*d+j] = u[i*d+j] * sig[j]
				}
			}
			rec := make([]float64, d*d)
			matMul(rec, us, v, d, false, true)
			if e := relDiff(rec, a); e > 1e-13 {
				t.Errorf("d=%d spread %g: reconstruction error %.1e", d, tc.spread, e)
			}
			for _, q := range [][]float64{u, v} {
				qtq := make([]float64, d*d)
				matMul(qtq, q, q, d, true, false)
				for i := 0; i < d; i++ {
					qtq[i*d+i]--
				}
				if e := relDiff(qtq, make([]float64, d*d)); e > 1e-13 {
					t.Errorf("d=%d spread %g: orthogonality error %.1e", d, tc.spread, e)
				}
			}
		}
	}
}
