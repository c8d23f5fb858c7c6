#include "textflag.h"

// func upperCols4AVX(c, x, y *float64, alpha float64, j0, ng int)
//
// UpperCols4 from column j0 (0 or ≥ 4), ng ≥ 1 groups. Per group of
// columns j0 … j0+3 (c0 … c3, one after the other from c): a_r = alpha·x_{j0+r};
// over the common rows 0…j0−1, by four rows, y += a0·c0 + … + a3·c3
// (axpy4AVX's fused updates in that order) and acc_r += c_r·x (dot4AVX's
// accumulators), one pass reading each entry once; acc reduced as
// dot4AVX reduces; the rows j0&^3 … j0−1 as Axpy4's fused scalar tail
// and Dot4's rounded one; then the 4×4 triangle with rounded products in
// upperCols4Go's order.
TEXT ·upperCols4AVX(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), R8
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	VBROADCASTSD alpha+24(FP), Y15
	MOVQ j0+32(FP), BX
	SHLQ $3, BX           // 8·j0
	MOVQ ng+40(FP), CX

ucgrp:
	LEAQ 8(R8)(BX*1), R9    // c1 = c0 + 8(j0+1)
	LEAQ 16(R9)(BX*1), R10  // c2 = c1 + 8(j0+2)
	LEAQ 24(R10)(BX*1), R11 // c3 = c2 + 8(j0+3)
	VMULSD 0(SI)(BX*1), X15, X0
	VMULSD 8(SI)(BX*1), X15, X1
	VMULSD 16(SI)(BX*1), X15, X2
	VMULSD 24(SI)(BX*1), X15, X3
	VBROADCASTSD X0, Y0
	VBROADCASTSD X1, Y1
	VBROADCASTSD X2, Y2
	VBROADCASTSD X3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ BX, DX
	ANDQ $-32, DX         // 8(j0&^3)
	XORQ AX, AX

ucvec:
	CMPQ AX, DX
	JGE  ucred
	VMOVUPD (DI)(AX*1), Y8
	VMOVUPD (SI)(AX*1), Y9
	VMOVUPD (R8)(AX*1), Y10
	VFMADD231PD Y10, Y0, Y8
	VFMADD231PD Y10, Y9, Y4
	VMOVUPD (R9)(AX*1), Y11
	VFMADD231PD Y11, Y1, Y8
	VFMADD231PD Y11, Y9, Y5
	VMOVUPD (R10)(AX*1), Y12
	VFMADD231PD Y12, Y2, Y8
	VFMADD231PD Y12, Y9, Y6
	VMOVUPD (R11)(AX*1), Y13
	VFMADD231PD Y13, Y3, Y8
	VFMADD231PD Y13, Y9, Y7
	VMOVUPD Y8, (DI)(AX*1)
	ADDQ $32, AX
	JMP  ucvec

ucred:
	VHADDPD Y5, Y4, Y12
	VHADDPD Y7, Y6, Y13
	VPERM2F128 $0x20, Y13, Y12, Y14
	VPERM2F128 $0x31, Y13, Y12, Y12
	VADDPD Y12, Y14, Y14    // s0 s1 s2 s3
	VMOVAPD X14, X4         // s0
	VPERMILPD $1, X14, X5   // s1
	VEXTRACTF128 $1, Y14, X6 // s2
	VPERMILPD $1, X6, X7    // s3

uctail:
	CMPQ AX, BX
	JGE  uctri
	VMOVSD (DI)(AX*1), X8
	VFMADD231SD (R8)(AX*1), X0, X8
	VFMADD231SD (R9)(AX*1), X1, X8
	VFMADD231SD (R10)(AX*1), X2, X8
	VFMADD231SD (R11)(AX*1), X3, X8
	VMOVSD X8, (DI)(AX*1)
	VMOVSD (SI)(AX*1), X9
	VMULSD (R8)(AX*1), X9, X12
	VADDSD X12, X4, X4
	VMULSD (R9)(AX*1), X9, X12
	VADDSD X12, X5, X5
	VMULSD (R10)(AX*1), X9, X12
	VADDSD X12, X6, X6
	VMULSD (R11)(AX*1), X9, X12
	VADDSD X12, X7, X7
	ADDQ $8, AX
	JMP  uctail

uctri:
	LEAQ (SI)(BX*1), R12  // &x[j0]
	LEAQ (DI)(BX*1), R13  // &y[j0]
	VMOVSD 0(R13), X8
	VMOVSD 8(R13), X9
	VMOVSD 16(R13), X10
	VMOVSD 24(R13), X11

	// Column j0: y_j0 += alpha·(s0 + c0[j0]·x_j0).
	VMOVSD (R8)(BX*1), X12
	VMULSD 0(R12), X12, X12
	VADDSD X12, X4, X12
	VMULSD X15, X12, X12
	VADDSD X12, X8, X8

	// Column j0+1.
	VMOVSD (R9)(BX*1), X12
	VMULSD X1, X12, X13
	VADDSD X13, X8, X8
	VMULSD 0(R12), X12, X13
	VADDSD X13, X5, X5
	VMOVSD 8(R9)(BX*1), X12
	VMULSD 8(R12), X12, X12
	VADDSD X12, X5, X12
	VMULSD X15, X12, X12
	VADDSD X12, X9, X9

	// Column j0+2.
	VMOVSD (R10)(BX*1), X12
	VMULSD X2, X12, X13
	VADDSD X13, X8, X8
	VMULSD 0(R12), X12, X13
	VADDSD X13, X6, X6
	VMOVSD 8(R10)(BX*1), X12
	VMULSD X2, X12, X13
	VADDSD X13, X9, X9
	VMULSD 8(R12), X12, X13
	VADDSD X13, X6, X6
	VMOVSD 16(R10)(BX*1), X12
	VMULSD 16(R12), X12, X12
	VADDSD X12, X6, X12
	VMULSD X15, X12, X12
	VADDSD X12, X10, X10

	// Column j0+3.
	VMOVSD (R11)(BX*1), X12
	VMULSD X3, X12, X13
	VADDSD X13, X8, X8
	VMULSD 0(R12), X12, X13
	VADDSD X13, X7, X7
	VMOVSD 8(R11)(BX*1), X12
	VMULSD X3, X12, X13
	VADDSD X13, X9, X9
	VMULSD 8(R12), X12, X13
	VADDSD X13, X7, X7
	VMOVSD 16(R11)(BX*1), X12
	VMULSD X3, X12, X13
	VADDSD X13, X10, X10
	VMULSD 16(R12), X12, X13
	VADDSD X13, X7, X7
	VMOVSD 24(R11)(BX*1), X12
	VMULSD 24(R12), X12, X12
	VADDSD X12, X7, X12
	VMULSD X15, X12, X12
	VADDSD X12, X11, X11

	VMOVSD X8, 0(R13)
	VMOVSD X9, 8(R13)
	VMOVSD X10, 16(R13)
	VMOVSD X11, 24(R13)
	ADDQ $32, BX          // next group: j0 += 4
	LEAQ (R11)(BX*1), R8  // c0 = c3 + 8(j0+4)
	DECQ CX
	JNE  ucgrp
	VZEROUPPER
	RET
