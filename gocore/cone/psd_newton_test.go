package cone

import (
	"math"
	"math/rand"
	"testing"
)

// TestNewtonComplementarityPSD checks the PSD block's residual svec(S∘Y)
// against the matrix product and its Jacobian against central differences,
// next to a nonnegative block (offsets), for several sides.
func TestNewtonComplementarityPSD(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, d := range []int{1, 2, 3, 5} {
		n := d * (d + 1) / 2
		k := NewComposite([]Spec{{Kind: KindNonneg, Dim: 2}, {Kind: KindPSD, Dim: n}})
		m := 2 + n
		s, y := make([]float64, m), make([]float64, m)
		for i := range s {
			s[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		r := make([]float64, m)
		js, jy := make([]float64, m*m), make([]float64, m*m)
		k.NewtonComplementarity(s, y, r, func(i, j int, a, b float64) {
			js[i*m+j] += a
			jy[i*m+j] += b
		})
		// The residual: svec((SY + YS)/2).
		p := NewPSD(n)
		sm, ym, prod := make([]float64, d*d), make([]float64, d*d), make([]float64, d*d)
		p.smat(sm, s[2:])
		p.smat(ym, y[2:])
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				for l := 0; l < d; l++ {
					prod[i*d+j] += (sm[i*d+l]*ym[l*d+j] + ym[i*d+l]*sm[l*d+j]) / 2
				}
			}
		}
		want := make([]float64, n)
		p.svec(want, prod)
		for i := 0; i < n; i++ {
			if math.Abs(r[2+i]-want[i]) > 1e-12 {
				t.Fatalf("d=%d: r[%d] = %g, want %g", d, 2+i, r[2+i], want[i])
			}
		}
		const h = 1e-6
		rp, rm := make([]float64, m), make([]float64, m)
		noop := func(int, int, float64, float64) {}
		for j := 0; j < m; j++ {
			for _, v := range []struct {
				name string
				x    []float64
				jac  []float64
			}{{"s", s, js}, {"y", y, jy}} {
				x0 := v.x[j]
				v.x[j] = x0 + h
				k.NewtonComplementarity(s, y, rp, noop)
				v.x[j] = x0 - h
				k.NewtonComplementarity(s, y, rm, noop)
				v.x[j] = x0
				for i := 0; i < m; i++ {
					fd := (rp[i] - rm[i]) / (2 * h)
					if math.Abs(fd-v.jac[i*m+j]) > 1e-7 {
						t.Fatalf("d=%d: ∂r[%d]/∂%s[%d] = %g, finite differences %g", d, i, v.name, j, v.jac[i*m+j], fd)
					}
				}
			}
		}
	}
}

// TestProjectNearPSD: a PSD block slightly outside the cone is projected
// (eigenvalues clipped at zero, the rest unchanged); one farther out is
// refused; Violation reports the relative distance.
func TestProjectNearPSD(t *testing.T) {
	const d = 3
	n := d * (d + 1) / 2
	k := NewComposite([]Spec{{Kind: KindPSD, Dim: n}})
	p := NewPSD(n)
	// X = Q diag(2, 1, −δ) Qᵀ with a rotation Q.
	q := []float64{0.6, 0.8, 0, -0.8, 0.6, 0, 0, 0, 1}
	build := func(delta float64) []float64 {
		ev := []float64{2, 1, -delta}
		x := make([]float64, d*d)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				for l := 0; l < d; l++ {
					x[i*d+j] += q[i*d+l] * ev[l] * q[j*d+l]
				}
			}
		}
		v := make([]float64, n)
		p.svec(v, x)
		return v
	}
	inside := build(-0.5) // eigenvalue +0.5
	s, y := build(1e-14), append([]float64(nil), inside...)
	if v := k.Violation(s, y); math.Abs(v-0.5e-14) > 1e-15 {
		t.Errorf("Violation = %g, want 5e-15", v)
	}
	if !k.ProjectNear(s, y, 1e-12) {
		t.Fatal("ProjectNear refused a violation of 5e-15")
	}
	want := build(0)
	for i := range s {
		if math.Abs(s[i]-want[i]) > 1e-14 || y[i] != inside[i] {
			t.Fatalf("entry %d: s %g (want %g), y %g (want %g unchanged)", i, s[i], want[i], y[i], inside[i])
		}
	}
	far := build(1e-6)
	if k.ProjectNear(far, inside, 1e-12) {
		t.Error("ProjectNear accepted a violation of 5e-7")
	}
	if v := k.Violation(far, inside); math.Abs(v-0.5e-6) > 1e-12 {
		t.Errorf("Violation = %g, want 5e-7", v)
	}
	if !k.NewtonSupported() {
		t.Error("NewtonSupported is false with a PSD block")
	}
}
