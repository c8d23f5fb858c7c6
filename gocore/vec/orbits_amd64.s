#include "textflag.h"

// func orBitsAVX(v *float64, n int) uint64
// The or of the n ≥ 0 words at v: 16 a step in four accumulators, then 4,
// then one by one.
TEXT ·orBitsAVX(SB), NOSPLIT, $0-24
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3

ob16:
	CMPQ CX, $16
	JL   ob4
	VPOR 0(SI), Y0, Y0
	VPOR 32(SI), Y1, Y1
	VPOR 64(SI), Y2, Y2
	VPOR 96(SI), Y3, Y3
	ADDQ $128, SI
	SUBQ $16, CX
	JMP  ob16

ob4:
	CMPQ CX, $4
	JL   obred
	VPOR 0(SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  ob4

obred:
	VPOR Y1, Y0, Y0
	VPOR Y3, Y2, Y2
	VPOR Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPOR X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPOR X1, X0, X0
	VMOVQ X0, AX

ob1:
	TESTQ CX, CX
	JE   obdone
	ORQ  0(SI), AX
	ADDQ $8, SI
	DECQ CX
	JMP  ob1

obdone:
	VZEROUPPER
	MOVQ AX, ret+16(FP)
	RET
