#include "textflag.h"

// func scaleAbsMaxColsAVX(a *float64, ncols, len0, dlen int, s, d, rn, cn *float64)
//
// ScaleAbsMaxCols: column j (len0 + j·dlen entries, one after another in
// a) as scaleAbsMaxAVX and its Go tail do it — with s non-nil
// a_ij *= s[i]·d[j] (the product s[i]·d[j] first); rn[i] = max(rn[i],
// |a_ij|) — and cn[j] = max(cn[j], max_i |a_ij|), read after the column
// (rn and cn may alias). Eight rows per step, then at most one step each
// of four, two (128-bit) and one row, addressed by one row index (s and
// rn start at row 0 in every column): the Ruiz sweeps' columns are short
// (issue 16: 10–50 rows, the triangle's from 1), so the loop and tail
// overhead per column is what counts. Every maximum keeps the running
// value unless |a_ij| is larger
// (VMAXPD with |a| first returns its second operand on a NaN, as the Go
// loop's a > m skips one); the column's lanes start at −Inf, so a column
// that is empty or all NaN leaves cn[j] as it was (negative or NaN
// included). Maxima of the non-NaN |a_ij| (never −0) are exact and
// order-free: bit for bit the Go loop, NaNs and infinities included.
TEXT ·scaleAbsMaxColsAVX(SB), NOSPLIT, $0-64
	MOVQ a+0(FP), SI
	MOVQ ncols+8(FP), R8
	MOVQ len0+16(FP), R9
	MOVQ dlen+24(FP), R10
	MOVQ s+32(FP), DX
	MOVQ d+40(FP), R11
	MOVQ rn+48(FP), DI
	MOVQ cn+56(FP), R12
	VPCMPEQQ Y2, Y2, Y2
	VPSLLQ $52, Y2, Y4 // −Inf (0xfff0…)
	VPSRLQ $1, Y2, Y2  // |·| mask

col:
	VMOVAPD Y4, Y1 // column max (lanes)
	XORQ AX, AX    // row
	MOVQ R9, R13
	TESTQ DX, DX
	JE   plainCol
	VBROADCASTSD (R11), Y0
	SUBQ $8, R13 // len − 8
	JL   scale4

scale8:
	VMULPD 0(DX)(AX*8), Y0, Y3
	VMULPD 32(DX)(AX*8), Y0, Y5
	VMULPD 0(SI)(AX*8), Y3, Y3
	VMULPD 32(SI)(AX*8), Y5, Y5
	VMOVUPD Y3, 0(SI)(AX*8)
	VMOVUPD Y5, 32(SI)(AX*8)
	VANDPD Y2, Y3, Y3
	VANDPD Y2, Y5, Y5
	VMAXPD Y1, Y3, Y1
	VMAXPD Y1, Y5, Y1
	VMAXPD 0(DI)(AX*8), Y3, Y3
	VMAXPD 32(DI)(AX*8), Y5, Y5
	VMOVUPD Y3, 0(DI)(AX*8)
	VMOVUPD Y5, 32(DI)(AX*8)
	ADDQ $8, AX
	CMPQ AX, R13
	JLE  scale8

scale4:
	// At most 7 rows left: one step of four, one of two (128-bit, after
	// the lanes are folded to two: VEX.128 instructions clear the upper
	// half), one row.
	ADDQ $4, R13 // len − 4
	CMPQ AX, R13
	JG   scale2
	VMULPD 0(DX)(AX*8), Y0, Y3
	VMULPD 0(SI)(AX*8), Y3, Y3
	VMOVUPD Y3, 0(SI)(AX*8)
	VANDPD Y2, Y3, Y3
	VMAXPD Y1, Y3, Y1
	VMAXPD 0(DI)(AX*8), Y3, Y3
	VMOVUPD Y3, 0(DI)(AX*8)
	ADDQ $4, AX

scale2:
	VEXTRACTF128 $1, Y1, X3
	VMAXPD X3, X1, X1
	ADDQ $2, R13 // len − 2
	CMPQ AX, R13
	JG   scale1
	VMOVUPD 0(DX)(AX*8), X3
	VMULPD X0, X3, X3
	VMULPD 0(SI)(AX*8), X3, X3
	VMOVUPD X3, 0(SI)(AX*8)
	VANDPD X2, X3, X3
	VMAXPD X1, X3, X1
	VMAXPD 0(DI)(AX*8), X3, X3
	VMOVUPD X3, 0(DI)(AX*8)
	ADDQ $2, AX

scale1:
	VPERMILPD $1, X1, X3
	VMAXSD X3, X1, X1
	CMPQ AX, R9
	JGE  colend
	VMOVSD 0(DX)(AX*8), X3
	VMULSD X0, X3, X3
	VMULSD 0(SI)(AX*8), X3, X3
	VMOVSD X3, 0(SI)(AX*8)
	VANDPD X2, X3, X3
	VMAXSD X1, X3, X1
	VMAXSD 0(DI)(AX*8), X3, X3
	VMOVSD X3, 0(DI)(AX*8)
	JMP  colend

plainCol:
	SUBQ $8, R13 // len − 8
	JL   plain4

plain8:
	VANDPD 0(SI)(AX*8), Y2, Y3
	VANDPD 32(SI)(AX*8), Y2, Y5
	VMAXPD Y1, Y3, Y1
	VMAXPD Y1, Y5, Y1
	VMAXPD 0(DI)(AX*8), Y3, Y3
	VMAXPD 32(DI)(AX*8), Y5, Y5
	VMOVUPD Y3, 0(DI)(AX*8)
	VMOVUPD Y5, 32(DI)(AX*8)
	ADDQ $8, AX
	CMPQ AX, R13
	JLE  plain8

plain4:
	ADDQ $4, R13 // len − 4
	CMPQ AX, R13
	JG   plain2
	VANDPD 0(SI)(AX*8), Y2, Y3
	VMAXPD Y1, Y3, Y1
	VMAXPD 0(DI)(AX*8), Y3, Y3
	VMOVUPD Y3, 0(DI)(AX*8)
	ADDQ $4, AX

plain2:
	VEXTRACTF128 $1, Y1, X3
	VMAXPD X3, X1, X1
	ADDQ $2, R13 // len − 2
	CMPQ AX, R13
	JG   plain1
	VANDPD 0(SI)(AX*8), X2, X3
	VMAXPD X1, X3, X1
	VMAXPD 0(DI)(AX*8), X3, X3
	VMOVUPD X3, 0(DI)(AX*8)
	ADDQ $2, AX

plain1:
	VPERMILPD $1, X1, X3
	VMAXSD X3, X1, X1
	CMPQ AX, R9
	JGE  colend
	VMOVSD 0(SI)(AX*8), X3
	VANDPD X2, X3, X3
	VMAXSD X1, X3, X1
	VMAXSD 0(DI)(AX*8), X3, X3
	VMOVSD X3, 0(DI)(AX*8)

colend:
	VMAXSD 0(R12), X1, X1
	VMOVSD X1, 0(R12)
	LEAQ (SI)(R9*8), SI // next column
	ADDQ $8, R12
	ADDQ $8, R11
	ADDQ R10, R9
	DECQ R8
	JNE  col
	VZEROUPPER
	RET
