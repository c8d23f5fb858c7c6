#include "textflag.h"

// func allFiniteAVX(v *float64, n int) bool
//
// AllFinite: the sum of v[i]·0 over every entry is 0 exactly when every
// entry is finite (a NaN or ±Inf makes a NaN product, which every later
// sum keeps). Each product is exact (±0 or NaN), so one fused
// multiply-add per four entries (VFMADD231PD: acc += v·0) gives what a
// multiply and an add would, in about half the instructions. Sixteen
// entries a step in four registers, then four a step, then one at a
// time; the lanes' sums added and compared with 0 (unordered: not equal).
TEXT ·allFiniteAVX(SB), NOSPLIT, $0-17
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPD Y15, Y15, Y15
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	SUBQ $16, CX // entries left − 16
	JL   af4

af16:
	VFMADD231PD 0(SI), Y15, Y0
	VFMADD231PD 32(SI), Y15, Y1
	VFMADD231PD 64(SI), Y15, Y2
	VFMADD231PD 96(SI), Y15, Y3
	ADDQ $128, SI
	SUBQ $16, CX
	JGE  af16

af4:
	ADDQ $12, CX // entries left − 4
	JL   afred

af4loop:
	VFMADD231PD 0(SI), Y15, Y0
	ADDQ $32, SI
	SUBQ $4, CX
	JGE  af4loop

afred:
	ADDQ $4, CX // entries left, 0…3
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0

aftail:
	TESTQ CX, CX
	JE   afend
	VMULSD (SI), X15, X4
	VADDSD X4, X0, X0
	ADDQ $8, SI
	DECQ CX
	JMP  aftail

afend:
	VUCOMISD X15, X0
	SETEQ AX
	SETPC BX
	ANDB BX, AX
	MOVB AX, ret+16(FP)
	VZEROUPPER
	RET
