package linsys

import "math"

// Node states of the quotient graph used by AMDOrder.
const (
	amdVar          = iota // principal (super)variable, not yet eliminated
	amdNonPrincipal        // variable merged into a supervariable
	amdElement             // eliminated pivot whose element is alive
	amdDead                // absorbed element, mass-eliminated or dense node
)

// AMDOrder returns a fill-reducing symmetric ordering of the matrix whose
// upper-triangular pattern is pat: perm[k] is the original index of the k-th
// pivot. Entries below the diagonal (row > column) and the diagonal itself
// are ignored; duplicate entries are allowed.
//
// The ordering is an approximate minimum degree ordering on a quotient
// graph (Amestoy, Davis and Duff, 1996): eliminated pivots become elements
// that absorb the elements adjacent to them, degrees are bounded from above
// by the approximate external degree, indistinguishable variables are merged
// into supervariables (detected by hashing), variables whose only neighbour
// is the new element are eliminated with the pivot (mass elimination) and
// elements whose variables are all covered by the new element are absorbed
// (aggressive absorption). Rows with more than max(16, 10·√n) off-diagonal
// entries are treated as dense: they are removed from the graph and ordered
// last, as SuiteSparse AMD does. The cost is close to linear in the number of
// nonzeros for the usual sparse patterns.
func AMDOrder(pat *Pattern) []int {
	n := pat.N
	perm := make([]int, 0, n)
	if n == 0 {
		return perm
	}

	// Symmetric adjacency (no diagonal), deduplicated, in CSR form.
	cnt := make([]int, n+1)
	for j := 0; j < n; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			if i := pat.Rowval[p]; i < j {
				cnt[i+1]++
				cnt[j+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		cnt[i+1] += cnt[i]
	}
	adj := make([]int, cnt[n])
	fill := make([]int, n)
	copy(fill, cnt[:n])
	for j := 0; j < n; j++ {
		for p := pat.Colptr[j]; p < pat.Colptr[j+1]; p++ {
			if i := pat.Rowval[p]; i < j {
				adj[fill[i]] = j
				fill[i]++
				adj[fill[j]] = i
				fill[j]++
			}
		}
	}
	// Deduplicate each row; fill[i] becomes the distinct degree.
	mark := make([]int, n)
	for i := range mark {
		mark[i] = -1
	}
	for i := 0; i < n; i++ {
		w := cnt[i]
		for p := cnt[i]; p < cnt[i+1]; p++ {
			j := adj[p]
			if mark[j] != i {
				mark[j] = i
				adj[w] = j
				w++
			}
		}
		fill[i] = w - cnt[i]
	}

	// Dense rows are left out of the graph and ordered last.
	dense := int(10 * math.Sqrt(float64(n)))
	if dense < 16 {
		dense = 16
	}
	isDense := func(i int) bool { return fill[i] > dense }

	s := newAMDState(n)
	total := 0
	for i := 0; i < n; i++ {
		if !isDense(i) {
			total += fill[i]
		}
	}
	size := total + total/5 + 2*n + 16
	s.iw = make([]int, size)
	s.iw2 = make([]int, size)
	var denseNodes []int
	ngraph := 0
	for i := 0; i < n; i++ {
		if isDense(i) {
			s.status[i] = amdDead
			s.nv[i] = 0
			denseNodes = append(denseNodes, i)
			continue
		}
		ngraph++
		s.pe[i] = s.pfree
		for p := cnt[i]; p < cnt[i]+fill[i]; p++ {
			if j := adj[p]; !isDense(j) {
				s.iw[s.pfree] = j
				s.pfree++
			}
		}
		s.ln[i] = s.pfree - s.pe[i]
		s.degree[i] = s.ln[i]
		s.insert(i)
	}
	adj, cnt, fill = nil, nil, nil

	s.perm = perm
	s.eliminate(ngraph)
	return append(s.perm, denseNodes...)
}

// amdState holds the quotient graph of AMDOrder. Every live node i owns the
// list iw[pe[i] : pe[i]+ln[i]]; for a variable its first elen[i] entries are
// adjacent elements and the rest adjacent variables, for an element the list
// holds its variables. Lists may contain stale ids (absorbed elements,
// non-principal or eliminated variables) which are pruned lazily.
type amdState struct {
	n      int
	iw     []int // list storage
	iw2    []int // spare buffer for garbage collection
	pfree  int   // first free slot of iw
	pe     []int // list start
	ln     []int // list length
	elen   []int // number of elements at the head of a variable's list
	nv     []int // supervariable size (negated while in the current Lme, 0 unless a principal variable)
	status []int
	degree []int // approximate external degree (variables), |Le| (elements)
	dpart  []int // new degree part computed during the update
	mark   []int // time stamps
	wval   []int // |Le \ Lme| for elements stamped with the current pivot
	tick   int

	head, next, prev []int // degree lists
	mindeg           int

	hhead, hnext, hash []int // hash buckets for supervariable detection

	mnext, mtail []int // member lists of supervariables
	perm         []int // output ordering
}

func newAMDState(n int) *amdState {
	s := &amdState{n: n}
	ints := func(v int) []int {
		a := make([]int, n)
		if v != 0 {
			for i := range a {
				a[i] = v
			}
		}
		return a
	}
	s.pe, s.ln, s.elen = ints(0), ints(0), ints(0)
	s.nv, s.status, s.degree, s.dpart = ints(1), ints(amdVar), ints(0), ints(0)
	s.mark, s.wval = ints(-1), ints(0)
	s.head, s.next, s.prev = make([]int, n+1), ints(-1), ints(-1)
	for i := range s.head {
		s.head[i] = -1
	}
	s.hhead, s.hnext, s.hash = ints(-1), ints(-1), ints(0)
	s.mnext, s.mtail = ints(-1), make([]int, n)
	for i := range s.mtail {
		s.mtail[i] = i
	}
	return s
}

// insert puts variable i into the degree list of degree[i].
func (s *amdState) insert(i int) {
	d := s.degree[i]
	h := s.head[d]
	s.next[i] = h
	s.prev[i] = -1
	if h >= 0 {
		s.prev[h] = i
	}
	s.head[d] = i
	if d < s.mindeg {
		s.mindeg = d
	}
}

// remove takes variable i out of its degree list.
func (s *amdState) remove(i int) {
	nx, pv := s.next[i], s.prev[i]
	if nx >= 0 {
		s.prev[nx] = pv
	}
	if pv >= 0 {
		s.next[pv] = nx
	} else {
		s.head[s.degree[i]] = nx
	}
}

// emit appends the members of supervariable i to the ordering.
func (s *amdState) emit(i int) {
	for x := i; x >= 0; x = s.mnext[x] {
		s.perm = append(s.perm, x)
	}
}

// gc compacts the lists of live nodes into the spare buffer.
func (s *amdState) gc() {
	dst := s.iw2
	w := 0
	for i := 0; i < s.n; i++ {
		if st := s.status[i]; st == amdVar || st == amdElement {
			p, l := s.pe[i], s.ln[i]
			copy(dst[w:w+l], s.iw[s.pe[i]:p+l])
			s.pe[i] = w
			w += l
		}
	}
	s.iw, s.iw2 = dst, s.iw
	s.pfree = w
}

// reserve makes room for need more entries at pfree.
func (s *amdState) reserve(need int) {
	if s.pfree+need <= len(s.iw) {
		return
	}
	s.gc()
	if s.pfree+need <= len(s.iw) {
		return
	}
	size := 2 * len(s.iw)
	if m := s.pfree + need + s.n; m > size {
		size = m
	}
	iw := make([]int, size)
	copy(iw, s.iw[:s.pfree])
	s.iw = iw
	s.iw2 = make([]int, size)
}

// eliminate runs the minimum degree loop until all ngraph graph nodes are
// ordered.
func (s *amdState) eliminate(ngraph int) {
	nel := 0
	for nel < ngraph {
		// Pivot of minimum approximate degree.
		for s.head[s.mindeg] < 0 {
			s.mindeg++
		}
		me := s.head[s.mindeg]
		s.remove(me)
		nvpiv := s.nv[me]
		s.nv[me] = 0
		nel += nvpiv
		s.emit(me)
		s.status[me] = amdElement

		// Construct the new element Lme: the union of me's variables and the
		// variables of the elements adjacent to me, which are absorbed.
		elenme, lenme := s.elen[me], s.ln[me]
		var dst int
		if elenme == 0 {
			dst = s.pe[me] // in place: the list only shrinks
		} else {
			need := lenme - elenme
			pme := s.pe[me]
			for k := pme; k < pme+elenme; k++ {
				if e := s.iw[k]; s.status[e] == amdElement {
					need += s.ln[e]
				}
			}
			s.reserve(need)
			dst = s.pfree
		}
		pme := s.pe[me]
		buf := s.iw
		w := dst
		degme := 0
		for k := pme; k < pme+elenme; k++ {
			e := buf[k]
			if s.status[e] != amdElement {
				continue
			}
			for q := s.pe[e]; q < s.pe[e]+s.ln[e]; q++ {
				if j := buf[q]; s.nv[j] > 0 {
					nvj := s.nv[j]
					s.nv[j] = -nvj
					degme += nvj
					buf[w] = j
					w++
					s.remove(j)
				}
			}
			s.status[e] = amdDead
		}
		for k := pme + elenme; k < pme+lenme; k++ {
			if j := buf[k]; s.nv[j] > 0 {
				nvj := s.nv[j]
				s.nv[j] = -nvj
				degme += nvj
				buf[w] = j
				w++
				s.remove(j)
			}
		}
		s.pe[me] = dst
		s.ln[me] = w - dst
		s.elen[me] = 0
		if elenme != 0 {
			s.pfree = w
		}
		lme := buf[dst:w]

		// |Le \ Lme| for every element adjacent to a variable of Lme.
		s.tick++
		wst := s.tick
		for _, i := range lme {
			nvi := -s.nv[i]
			for k := s.pe[i]; k < s.pe[i]+s.elen[i]; k++ {
				e := buf[k]
				if s.status[e] != amdElement {
					continue
				}
				if s.mark[e] != wst {
					s.mark[e] = wst
					s.wval[e] = s.degree[e]
				}
				s.wval[e] -= nvi
			}
		}

		// Degree update, list pruning, absorption and mass elimination.
		for _, i := range lme {
			p := s.pe[i]
			eln, l := s.elen[i], s.ln[i]
			dext, h := 0, 0
			wr := p
			for k := p; k < p+eln; k++ {
				e := buf[k]
				if s.status[e] != amdElement {
					continue
				}
				if we := s.wval[e]; we > 0 {
					dext += we
					buf[wr] = e
					wr++
					h += e
				} else {
					s.status[e] = amdDead // aggressive absorption into me
				}
			}
			ne := wr - p
			for k := p + eln; k < p+l; k++ {
				if j := buf[k]; s.nv[j] > 0 {
					dext += s.nv[j]
					buf[wr] = j
					wr++
					h += j
				}
			}
			nvk := wr - p - ne
			if ne == 0 && nvk == 0 {
				// Mass elimination: i is adjacent to me only.
				nvi := -s.nv[i]
				nvpiv += nvi
				nel += nvi
				degme -= nvi
				s.nv[i] = 0
				s.status[i] = amdDead
				s.emit(i)
				continue
			}
			// Add me to i's elements; at least one stale entry was pruned
			// (me as a variable or an element absorbed into me), so it fits.
			if nvk > 0 {
				buf[p+ne+nvk] = buf[p+ne]
			}
			buf[p+ne] = me
			s.elen[i] = ne + 1
			s.ln[i] = ne + nvk + 1
			s.dpart[i] = dext
			h = (h + me) % s.n
			s.hash[i] = h
			s.hnext[i] = s.hhead[h]
			s.hhead[h] = i
		}

		// Supervariable detection among the variables of Lme.
		for _, i := range lme {
			if s.status[i] != amdVar {
				continue
			}
			h := s.hash[i]
			b := s.hhead[h]
			if b < 0 {
				continue
			}
			s.hhead[h] = -1
			for x := b; x >= 0; x = s.hnext[x] {
				if s.status[x] != amdVar || s.hnext[x] < 0 {
					continue
				}
				s.tick++
				t := s.tick
				px, lx, ex := s.pe[x], s.ln[x], s.elen[x]
				for k := px; k < px+lx; k++ {
					s.mark[buf[k]] = t
				}
				for y := s.hnext[x]; y >= 0; y = s.hnext[y] {
					if s.status[y] != amdVar || s.ln[y] != lx || s.elen[y] != ex {
						continue
					}
					same := true
					for k := s.pe[y]; k < s.pe[y]+lx; k++ {
						if s.mark[buf[k]] != t {
							same = false
							break
						}
					}
					if !same {
						continue
					}
					// Merge y into x (both sizes are negated here).
					s.nv[x] += s.nv[y]
					s.nv[y] = 0
					s.status[y] = amdNonPrincipal
					s.mnext[s.mtail[x]] = y
					s.mtail[x] = s.mtail[y]
				}
			}
		}

		// Final degrees; compact Lme to its principal variables.
		nleft := ngraph - nel
		wr := s.pe[me]
		for _, i := range lme {
			if s.status[i] != amdVar {
				continue
			}
			nvi := -s.nv[i]
			s.nv[i] = nvi
			d := s.degree[i] + degme - nvi
			if d2 := s.dpart[i] + degme - nvi; d2 < d {
				d = d2
			}
			if d3 := nleft - nvi; d3 < d {
				d = d3
			}
			if d < 0 {
				d = 0
			}
			s.degree[i] = d
			s.insert(i)
			buf[wr] = i
			wr++
		}
		s.ln[me] = wr - s.pe[me]
		s.degree[me] = degme
		if s.ln[me] == 0 {
			s.status[me] = amdDead
		}
	}
}
