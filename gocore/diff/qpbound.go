package diff

import "github.com/lpgd-go/lpgd_go/gocore/rangeqp"

// warmQPBound enables qpBound for the warm-started QP solves (a variable
// for the tests, which compare it with the KKT factorization).
var warmQPBound = true

// qpBound solves with the base KKT matrix K₀ of a warm-started QP by the
// range space of the variables its active bound rows leave free
// (rangeqp.Bound).
type qpBound = rangeqp.Bound
