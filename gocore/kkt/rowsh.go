package kkt

// SetRowsH sets the diagonal entry H_ii = v for every row i with rows[i]
// true, leaving the rest of H as it is; rows must lie in diagonal cone
// blocks (the zero and nonnegative cones). Used by the interior point's
// equality-consistency check, which factors [ρI A_eqᵀ; A_eq −I].
func (k *System) SetRowsH(rows []bool, v float64) {
	k.wantFast = false
	k.wantExact, k.diagX = false, false
	for j, on := range rows {
		if !on {
			continue
		}
		k.cones.HColumn(j, func(i, p int) {
			if i == j {
				k.hs[p] = v
			}
		})
	}
	k.writeH()
}
