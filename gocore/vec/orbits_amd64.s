#include "textflag.h"

// func orBitsRunsAVX(v *float64, n, stride, runs int) uint64
// The or of runs ≥ 1 runs of n ≥ 0 words, run r at v + 8·r·stride: each
// run 16 words a step into four accumulators, then 4, then one by one
// into AX; after each run the accumulators are tested and a nonzero or
// ends the pass.
TEXT ·orBitsRunsAVX(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), DI
	MOVQ n+8(FP), DX
	MOVQ stride+16(FP), R8
	SHLQ $3, R8
	MOVQ runs+24(FP), R9
	XORQ AX, AX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3

run:
	MOVQ DI, SI
	MOVQ DX, CX

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
	JL   ob1
	VPOR 0(SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  ob4

ob1:
	TESTQ CX, CX
	JE   next
	ORQ  0(SI), AX
	ADDQ $8, SI
	DECQ CX
	JMP  ob1

next:
	VPOR  Y1, Y0, Y4
	VPOR  Y3, Y2, Y5
	VPOR  Y5, Y4, Y4
	VPTEST Y4, Y4
	JNE   red
	TESTQ AX, AX
	JNE   red
	ADDQ  R8, DI
	DECQ  R9
	JNE   run

red:
	VPOR Y1, Y0, Y0
	VPOR Y3, Y2, Y2
	VPOR Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPOR X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPOR X1, X0, X0
	VMOVQ X0, CX
	ORQ  CX, AX
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
