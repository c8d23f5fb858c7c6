#include "textflag.h"

// func scaleAbsMaxColsAVX(a *float64, ncols, len0, dlen int, s, d, rn, cn *float64)
//
// ScaleAbsMaxCols: column j (len0 + j·dlen entries, one after another in
// a) as scaleAbsMaxAVX and its Go tail do it — with s non-nil
// a_ij *= s[i]·d[j] (the product s[i]·d[j] first); rn[i] = max(rn[i],
// |a_ij|) — and cn[j] = max(cn[j], max_i |a_ij|), read after the column
// (rn and cn may alias). Eight rows per step, then four, then the n mod 4
// rows one at a time. Every maximum keeps the running value unless |a_ij| is larger
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
	MOVQ R9, CX
	MOVQ DX, BX
	MOVQ DI, R13
	TESTQ DX, DX
	JE   plain8
	VBROADCASTSD (R11), Y0

scale8:
	CMPQ CX, $8
	JL   scale4
	VMULPD 0(BX), Y0, Y3
	VMULPD 32(BX), Y0, Y5
	VMULPD 0(SI), Y3, Y3
	VMULPD 32(SI), Y5, Y5
	VMOVUPD Y3, 0(SI)
	VMOVUPD Y5, 32(SI)
	VANDPD Y2, Y3, Y3
	VANDPD Y2, Y5, Y5
	VMAXPD Y1, Y3, Y1
	VMAXPD Y1, Y5, Y1
	VMAXPD 0(R13), Y3, Y3
	VMAXPD 32(R13), Y5, Y5
	VMOVUPD Y3, 0(R13)
	VMOVUPD Y5, 32(R13)
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, R13
	SUBQ $8, CX
	JMP  scale8

scale4:
	CMPQ CX, $4
	JL   reduce
	VMULPD 0(BX), Y0, Y3
	VMULPD 0(SI), Y3, Y3
	VMOVUPD Y3, 0(SI)
	VANDPD Y2, Y3, Y3
	VMAXPD Y1, Y3, Y1
	VMAXPD 0(R13), Y3, Y3
	VMOVUPD Y3, 0(R13)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, R13
	SUBQ $4, CX
	JMP  scale4

plain8:
	CMPQ CX, $8
	JL   plain4
	VANDPD 0(SI), Y2, Y3
	VANDPD 32(SI), Y2, Y5
	VMAXPD Y1, Y3, Y1
	VMAXPD Y1, Y5, Y1
	VMAXPD 0(R13), Y3, Y3
	VMAXPD 32(R13), Y5, Y5
	VMOVUPD Y3, 0(R13)
	VMOVUPD Y5, 32(R13)
	ADDQ $64, SI
	ADDQ $64, R13
	SUBQ $8, CX
	JMP  plain8

plain4:
	CMPQ CX, $4
	JL   reduce
	VANDPD 0(SI), Y2, Y3
	VMAXPD Y1, Y3, Y1
	VMAXPD 0(R13), Y3, Y3
	VMOVUPD Y3, 0(R13)
	ADDQ $32, SI
	ADDQ $32, R13
	SUBQ $4, CX
	JMP  plain4

reduce:
	// Lanes to one (X1), before the scalar rows: VEX.128 instructions
	// clear the upper half.
	VEXTRACTF128 $1, Y1, X3
	VMAXPD X3, X1, X1
	VPERMILPD $1, X1, X3
	VMAXSD X3, X1, X1
	TESTQ CX, CX
	JE   colend
	TESTQ DX, DX
	JE   plain1

scale1:
	VMOVSD 0(BX), X3
	VMULSD X0, X3, X3
	VMULSD 0(SI), X3, X3
	VMOVSD X3, 0(SI)
	VANDPD X2, X3, X3
	VMAXSD X1, X3, X1
	VMAXSD 0(R13), X3, X3
	VMOVSD X3, 0(R13)
	ADDQ $8, SI
	ADDQ $8, BX
	ADDQ $8, R13
	DECQ CX
	JNE  scale1
	JMP  colend

plain1:
	VMOVSD 0(SI), X3
	VANDPD X2, X3, X3
	VMAXSD X1, X3, X1
	VMAXSD 0(R13), X3, X3
	VMOVSD X3, 0(R13)
	ADDQ $8, SI
	ADDQ $8, R13
	DECQ CX
	JNE  plain1

colend:
	VMAXSD 0(R12), X1, X1
	VMOVSD X1, 0(R12)
	ADDQ $8, R12
	ADDQ $8, R11
	ADDQ R10, R9
	DECQ R8
	JNE  col
	VZEROUPPER
	RET
