package ipm

// SetActiveRows turns the system set by SetData into the active-set system
//
//	[ P + ρI   A_actᵀ ]
//	[ A_act    0      ]
//
// used by the solver's polish and by the backward passes (BPQP, the LPGD
// fast path, kkt on a polished solution): an active row keeps its A row and
// gets H = 0; an inactive row is decoupled (A row zeroed, H = 1), so its
// multiplier solves −y_i = rhs_i. av are the A values SetData wrote. Only
// valid when every cone block is diagonal (AllDiagonal).
func (k *KKTSystem) SetActiveRows(av []float64, active []bool) {
	st := k.an.St
	for j := 0; j < st.N; j++ {
		for e := st.A.Colptr[j]; e < st.A.Colptr[j+1]; e++ {
			if !active[st.A.Rowval[e]] {
				k.kv[k.an.AMap[e]] = 0
			}
		}
	}
	for i := range k.Cones {
		o, d := k.an.ConeOff[i], k.an.ConeDim[i]
		h := k.hbuf[i][:d]
		for j := range h {
			if active[o+j] {
				h[j] = 0
			} else {
				h[j] = 1
			}
		}
	}
	k.writeH()
}
