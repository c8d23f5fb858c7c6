#include "textflag.h"

// func lowerSolve4AVX(l *float64, ld, nb int, x *float64)
//
// LowerSolve4: per block k = 0, 4, …: the Dot4 of rows k…k+3 with x[:k]
// (dot4AVX's loop and reduction), then the block's triangle by scalar
// multiplies and subtractions in Go's order.
TEXT ·lowerSolve4AVX(SB), NOSPLIT, $0-32
	MOVQ l+0(FP), R12
	MOVQ ld+8(FP), R13
	SHLQ $3, R13          // row stride in bytes
	MOVQ nb+16(FP), R14
	MOVQ x+24(FP), SI
	XORQ BX, BX           // 8k

lsblk:
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX

lsdot:
	CMPQ AX, BX
	JGE  lsred
	VMOVUPD (SI)(AX*1), Y4
	VFMADD231PD (R8)(AX*1), Y4, Y0
	VFMADD231PD (R9)(AX*1), Y4, Y1
	VFMADD231PD (R10)(AX*1), Y4, Y2
	VFMADD231PD (R11)(AX*1), Y4, Y3
	ADDQ $32, AX
	JMP  lsdot

lsred:
	VHADDPD Y1, Y0, Y5
	VHADDPD Y3, Y2, Y6
	VPERM2F128 $0x20, Y6, Y5, Y7
	VPERM2F128 $0x31, Y6, Y5, Y8
	VADDPD Y8, Y7, Y7     // s0 s1 s2 s3
	VEXTRACTF128 $1, Y7, X8 // s2 s3
	VPERMILPD $1, X7, X9  // s1
	VPERMILPD $1, X8, X6  // s3

	// x0 = x[k] − s0
	VMOVSD (SI)(BX*1), X10
	VSUBSD X7, X10, X10
	// x1 = x[k+1] − s1 − L[k+1][k]·x0
	VMOVSD 8(SI)(BX*1), X11
	VSUBSD X9, X11, X11
	VMULSD (R9)(BX*1), X10, X12
	VSUBSD X12, X11, X11
	// x2 = x[k+2] − s2 − L[k+2][k]·x0 − L[k+2][k+1]·x1
	VMOVSD 16(SI)(BX*1), X13
	VSUBSD X8, X13, X13
	VMULSD (R10)(BX*1), X10, X12
	VSUBSD X12, X13, X13
	VMULSD 8(R10)(BX*1), X11, X12
	VSUBSD X12, X13, X13
	// x3 = x[k+3] − s3 − L[k+3][k]·x0 − L[k+3][k+1]·x1 − L[k+3][k+2]·x2
	VMOVSD 24(SI)(BX*1), X14
	VSUBSD X6, X14, X14
	VMULSD (R11)(BX*1), X10, X12
	VSUBSD X12, X14, X14
	VMULSD 8(R11)(BX*1), X11, X12
	VSUBSD X12, X14, X14
	VMULSD 16(R11)(BX*1), X13, X12
	VSUBSD X12, X14, X14
	VMOVSD X10, (SI)(BX*1)
	VMOVSD X11, 8(SI)(BX*1)
	VMOVSD X13, 16(SI)(BX*1)
	VMOVSD X14, 24(SI)(BX*1)

	ADDQ $32, BX
	LEAQ (R11)(R13*1), R12 // row k+4
	DECQ R14
	JNE  lsblk
	VZEROUPPER
	RET

// func lowerTSolve4AVX(l *float64, ld, nb int, x *float64)
//
// LowerTSolve4: per block i0 = 4(nb−1), …, 0: the block's triangle by
// scalar multiplies and subtractions in Go's order, then x[:i0] +=
// −x3·r3 + −x2·r2 + −x1·r1 + −x0·r0 as axpy4AVX (fused, in that order;
// i0 is a multiple of 4: no scalar tail).
TEXT ·lowerTSolve4AVX(SB), NOSPLIT, $0-32
	MOVQ l+0(FP), R12
	MOVQ ld+8(FP), R13
	SHLQ $3, R13
	MOVQ nb+16(FP), R14
	MOVQ x+24(FP), SI
	VPCMPEQQ Y15, Y15, Y15
	VPSLLQ $63, Y15, Y15  // sign bit
	MOVQ R14, BX
	DECQ BX
	SHLQ $5, BX           // 8·i0
	// R12 = row i0 = 4(nb−1): l + i0·stride
	MOVQ BX, AX
	SHRQ $3, AX
	IMULQ R13, AX
	ADDQ AX, R12

ltblk:
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	// x3 = x[i0+3]
	VMOVSD 24(SI)(BX*1), X3
	// x2 = x[i0+2] − r3[i0+2]·x3
	VMOVSD 16(SI)(BX*1), X2
	VMULSD 16(R11)(BX*1), X3, X12
	VSUBSD X12, X2, X2
	// x1 = x[i0+1] − r3[i0+1]·x3 − r2[i0+1]·x2
	VMOVSD 8(SI)(BX*1), X1
	VMULSD 8(R11)(BX*1), X3, X12
	VSUBSD X12, X1, X1
	VMULSD 8(R10)(BX*1), X2, X12
	VSUBSD X12, X1, X1
	// x0 = x[i0] − r3[i0]·x3 − r2[i0]·x2 − r1[i0]·x1
	VMOVSD (SI)(BX*1), X0
	VMULSD (R11)(BX*1), X3, X12
	VSUBSD X12, X0, X0
	VMULSD (R10)(BX*1), X2, X12
	VSUBSD X12, X0, X0
	VMULSD (R9)(BX*1), X1, X12
	VSUBSD X12, X0, X0
	VMOVSD X0, (SI)(BX*1)
	VMOVSD X1, 8(SI)(BX*1)
	VMOVSD X2, 16(SI)(BX*1)
	VMOVSD X3, 24(SI)(BX*1)
	TESTQ BX, BX
	JE   ltdone
	// a = (−x3, −x2, −x1, −x0), broadcast
	VXORPD X15, X3, X3
	VXORPD X15, X2, X2
	VXORPD X15, X1, X1
	VXORPD X15, X0, X0
	VBROADCASTSD X3, Y5
	VBROADCASTSD X2, Y6
	VBROADCASTSD X1, Y7
	VBROADCASTSD X0, Y8
	XORQ AX, AX

ltaxpy:
	VMOVUPD (SI)(AX*1), Y4
	VFMADD231PD (R11)(AX*1), Y5, Y4
	VFMADD231PD (R10)(AX*1), Y6, Y4
	VFMADD231PD (R9)(AX*1), Y7, Y4
	VFMADD231PD (R8)(AX*1), Y8, Y4
	VMOVUPD Y4, (SI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JL   ltaxpy

	SUBQ $32, BX
	MOVQ R13, AX
	SHLQ $2, AX
	SUBQ AX, R12          // row i0 − 4
	JMP  ltblk

ltdone:
	VZEROUPPER
	RET

// func dot4RowsAVX(a *float64, lda, ng int, x *float64, n int, out *float64)
//
// Dot4Rows: per group, dot4AVX's loop and reduction over n&^3 columns,
// then Dot4's Go tail (each term multiplied, then added, in order).
TEXT ·dot4RowsAVX(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), R12
	MOVQ lda+8(FP), R13
	SHLQ $3, R13
	MOVQ ng+16(FP), R14
	MOVQ x+24(FP), SI
	MOVQ n+32(FP), CX
	SHLQ $3, CX           // 8n
	MOVQ CX, DX
	ANDQ $-32, DX         // 8(n&^3)
	MOVQ CX, BX
	ANDQ $-64, BX         // 8(n&^7)
	MOVQ out+40(FP), DI

drgrp:
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
	CMPQ AX, BX
	JGE  drvec

drvec8:
	// Two four-column steps a pass: each accumulator takes its FMAs in
	// the order of the one-step loop.
	VMOVUPD (SI)(AX*1), Y4
	VMOVUPD 32(SI)(AX*1), Y5
	VFMADD231PD (R8)(AX*1), Y4, Y0
	VFMADD231PD (R9)(AX*1), Y4, Y1
	VFMADD231PD (R10)(AX*1), Y4, Y2
	VFMADD231PD (R11)(AX*1), Y4, Y3
	VFMADD231PD 32(R8)(AX*1), Y5, Y0
	VFMADD231PD 32(R9)(AX*1), Y5, Y1
	VFMADD231PD 32(R10)(AX*1), Y5, Y2
	VFMADD231PD 32(R11)(AX*1), Y5, Y3
	ADDQ $64, AX
	CMPQ AX, BX
	JL   drvec8

drvec:
	CMPQ AX, DX
	JGE  drred
	VMOVUPD (SI)(AX*1), Y4
	VFMADD231PD (R8)(AX*1), Y4, Y0
	VFMADD231PD (R9)(AX*1), Y4, Y1
	VFMADD231PD (R10)(AX*1), Y4, Y2
	VFMADD231PD (R11)(AX*1), Y4, Y3
	ADDQ $32, AX

drred:
	VHADDPD Y1, Y0, Y5
	VHADDPD Y3, Y2, Y6
	VPERM2F128 $0x20, Y6, Y5, Y7
	VPERM2F128 $0x31, Y6, Y5, Y8
	VADDPD Y8, Y7, Y7       // s0 s1 s2 s3
	VEXTRACTF128 $1, Y7, X8 // s2 (s3)
	VPERMILPD $1, X7, X9    // s1
	VPERMILPD $1, X8, X6    // s3

drtail:
	CMPQ AX, CX
	JGE  drstore
	VMOVSD (SI)(AX*1), X4
	VMULSD (R8)(AX*1), X4, X12
	VADDSD X12, X7, X7
	VMULSD (R9)(AX*1), X4, X12
	VADDSD X12, X9, X9
	VMULSD (R10)(AX*1), X4, X12
	VADDSD X12, X8, X8
	VMULSD (R11)(AX*1), X4, X12
	VADDSD X12, X6, X6
	ADDQ $8, AX
	JMP  drtail

drstore:
	VMOVSD X7, 0(DI)
	VMOVSD X9, 8(DI)
	VMOVSD X8, 16(DI)
	VMOVSD X6, 24(DI)
	ADDQ $32, DI
	LEAQ (R11)(R13*1), R12
	DECQ R14
	JNE  drgrp
	VZEROUPPER
	RET

// func axpy4RowsAVX(c, a *float64, lda, ng int, y *float64, n int)
//
// Axpy4Rows, n ≥ 4: per group, axpy4AVX's loop and fused scalar tail.
TEXT ·axpy4RowsAVX(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), BX
	MOVQ a+8(FP), R12
	MOVQ lda+16(FP), R13
	SHLQ $3, R13
	MOVQ ng+24(FP), R14
	MOVQ y+32(FP), DI
	MOVQ n+40(FP), CX
	SHLQ $3, CX           // 8n
	MOVQ CX, DX
	ANDQ $-32, DX         // 8(n&^3)

argrp:
	VBROADCASTSD 0(BX), Y0
	VBROADCASTSD 8(BX), Y1
	VBROADCASTSD 16(BX), Y2
	VBROADCASTSD 24(BX), Y3
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	XORQ SI, SI

arvec:
	CMPQ SI, DX
	JGE  artail
	VMOVUPD (DI)(SI*1), Y4
	VFMADD231PD (R8)(SI*1), Y0, Y4
	VFMADD231PD (R9)(SI*1), Y1, Y4
	VFMADD231PD (R10)(SI*1), Y2, Y4
	VFMADD231PD (R11)(SI*1), Y3, Y4
	VMOVUPD Y4, (DI)(SI*1)
	ADDQ $32, SI
	JMP  arvec

artail:
	CMPQ SI, CX
	JGE  arnext
	VMOVSD (DI)(SI*1), X4
	VFMADD231SD (R8)(SI*1), X0, X4
	VFMADD231SD (R9)(SI*1), X1, X4
	VFMADD231SD (R10)(SI*1), X2, X4
	VFMADD231SD (R11)(SI*1), X3, X4
	VMOVSD X4, (DI)(SI*1)
	ADDQ $8, SI
	JMP  artail

arnext:
	ADDQ $32, BX
	LEAQ (R11)(R13*1), R12
	DECQ R14
	JNE  argrp
	VZEROUPPER
	RET

// func lowerSolvePairsAVX(l *float64, ld, n int, x *float64)
//
// LowerSolvePairs: scalar multiplies and subtractions in Go's order.
TEXT ·lowerSolvePairsAVX(SB), NOSPLIT, $0-32
	MOVQ l+0(FP), R12
	MOVQ ld+8(FP), R13
	SHLQ $3, R13
	MOVQ n+16(FP), CX
	MOVQ x+24(FP), SI
	ADDQ R13, R12         // row 1
	MOVQ $1, BX           // i

lppair:
	LEAQ 1(BX), AX
	CMPQ AX, CX
	JGE  lpsingle
	MOVQ R12, R8          // row i
	LEAQ (R12)(R13*1), R9 // row i+1
	VMOVSD (SI)(BX*8), X0
	VMOVSD 8(SI)(BX*8), X1
	XORQ DX, DX
	MOVQ BX, AX
	ANDQ $-2, AX          // the k < i&^1 two a pass
	JE   lpk1

lpk2:
	VMOVSD (SI)(DX*8), X2
	VMULSD (R8)(DX*8), X2, X3
	VSUBSD X3, X0, X0
	VMULSD (R9)(DX*8), X2, X4
	VSUBSD X4, X1, X1
	VMOVSD 8(SI)(DX*8), X2
	VMULSD 8(R8)(DX*8), X2, X3
	VSUBSD X3, X0, X0
	VMULSD 8(R9)(DX*8), X2, X4
	VSUBSD X4, X1, X1
	ADDQ $2, DX
	CMPQ DX, AX
	JL   lpk2

lpk1:
	CMPQ DX, BX
	JGE  lpkend
	VMOVSD (SI)(DX*8), X2
	VMULSD (R8)(DX*8), X2, X3
	VSUBSD X3, X0, X0
	VMULSD (R9)(DX*8), X2, X4
	VSUBSD X4, X1, X1

lpkend:
	VMULSD (R9)(BX*8), X0, X3
	VSUBSD X3, X1, X1
	VMOVSD X0, (SI)(BX*8)
	VMOVSD X1, 8(SI)(BX*8)
	ADDQ $2, BX
	LEAQ (R9)(R13*1), R12
	JMP  lppair

lpsingle:
	CMPQ BX, CX
	JGE  lpdone
	VMOVSD (SI)(BX*8), X0
	XORQ DX, DX
	MOVQ BX, AX
	ANDQ $-2, AX
	JE   lps1

lps2:
	VMOVSD (SI)(DX*8), X2
	VMULSD (R12)(DX*8), X2, X3
	VSUBSD X3, X0, X0
	VMOVSD 8(SI)(DX*8), X2
	VMULSD 8(R12)(DX*8), X2, X3
	VSUBSD X3, X0, X0
	ADDQ $2, DX
	CMPQ DX, AX
	JL   lps2

lps1:
	CMPQ DX, BX
	JGE  lpsend
	VMOVSD (SI)(DX*8), X2
	VMULSD (R12)(DX*8), X2, X3
	VSUBSD X3, X0, X0

lpsend:
	VMOVSD X0, (SI)(BX*8)

lpdone:
	RET

// func lowerTSolvePairsAVX(l *float64, ld, n int, x *float64)
//
// LowerTSolvePairs: multiplies and subtractions in Go's order; a zero
// (±0) x_i skips its updates, a NaN does not (Go's x != 0). Each x_k's
// update (x_k − L_ik·x_i) − L_{i−1,k}·x_{i−1} is independent of the other
// k's, so with both x's nonzero four k's go a step (VMULPD, VSUBPD: the
// same roundings per lane as the scalar ops, no FMA), then two, then one
// scalar.
TEXT ·lowerTSolvePairsAVX(SB), NOSPLIT, $0-32
	MOVQ l+0(FP), R12
	MOVQ ld+8(FP), R13
	SHLQ $3, R13
	MOVQ n+16(FP), BX
	MOVQ x+24(FP), SI
	DECQ BX               // i = n−1
	MOVQ BX, AX
	IMULQ R13, AX
	ADDQ AX, R12          // row i
	VXORPD X15, X15, X15  // 0

ltpair:
	CMPQ BX, $2
	JL   ltone
	MOVQ R12, R8          // row i
	MOVQ R12, R9
	SUBQ R13, R9          // row i−1
	LEAQ -1(BX), R10      // i−1: length of row i−1's update
	VMOVSD (SI)(BX*8), X0 // x_i
	XORQ R11, R11         // bit 0: x_i ≠ 0, bit 1: x_{i−1} ≠ 0
	VUCOMISD X15, X0
	JNE  ltxi
	JP   ltxi
	JMP  ltxj

ltxi:
	ORQ  $1, R11
	VMOVSD -8(SI)(BX*8), X1
	VMULSD -8(R8)(BX*8), X0, X3
	VSUBSD X3, X1, X1
	VMOVSD X1, -8(SI)(BX*8)

ltxj:
	VMOVSD -8(SI)(BX*8), X1 // x_{i−1}
	VUCOMISD X15, X1
	JNE  ltxjnz
	JP   ltxjnz
	JMP  ltsel

ltxjnz:
	ORQ  $2, R11

ltsel:
	XORQ DX, DX
	MOVQ R10, AX
	ANDQ $-2, AX          // the k < (i−1)&^1 two a pass
	CMPQ R11, $3
	JE   ltboth
	CMPQ R11, $1
	JE   ltionly
	CMPQ R11, $2
	JE   ltjonly
	JMP  ltnext

ltboth:
	VBROADCASTSD X0, Y5   // x_i
	VBROADCASTSD X1, Y6   // x_{i−1}
	MOVQ R10, CX
	ANDQ $-4, CX          // the k < (i−1)&^3 four a pass
	CMPQ DX, CX
	JGE  ltboth2pre

ltboth4:
	VMOVUPD (SI)(DX*8), Y2
	VMULPD (R8)(DX*8), Y5, Y3
	VSUBPD Y3, Y2, Y2
	VMULPD (R9)(DX*8), Y6, Y4
	VSUBPD Y4, Y2, Y2
	VMOVUPD Y2, (SI)(DX*8)
	ADDQ $4, DX
	CMPQ DX, CX
	JL   ltboth4

ltboth2pre:
	CMPQ DX, AX
	JGE  ltboth1

ltboth2:
	VMOVSD (SI)(DX*8), X2
	VMULSD (R8)(DX*8), X0, X3
	VSUBSD X3, X2, X2
	VMULSD (R9)(DX*8), X1, X4
	VSUBSD X4, X2, X2
	VMOVSD X2, (SI)(DX*8)
	VMOVSD 8(SI)(DX*8), X2
	VMULSD 8(R8)(DX*8), X0, X3
	VSUBSD X3, X2, X2
	VMULSD 8(R9)(DX*8), X1, X4
	VSUBSD X4, X2, X2
	VMOVSD X2, 8(SI)(DX*8)
	ADDQ $2, DX
	CMPQ DX, AX
	JL   ltboth2

ltboth1:
	CMPQ DX, R10
	JGE  ltnext
	VMOVSD (SI)(DX*8), X2
	VMULSD (R8)(DX*8), X0, X3
	VSUBSD X3, X2, X2
	VMULSD (R9)(DX*8), X1, X4
	VSUBSD X4, X2, X2
	VMOVSD X2, (SI)(DX*8)
	JMP  ltnext

ltionly:
	CMPQ DX, AX
	JGE  ltionly1

ltionly2:
	VMOVSD (SI)(DX*8), X2
	VMULSD (R8)(DX*8), X0, X3
	VSUBSD X3, X2, X2
	VMOVSD X2, (SI)(DX*8)
	VMOVSD 8(SI)(DX*8), X2
	VMULSD 8(R8)(DX*8), X0, X3
	VSUBSD X3, X2, X2
	VMOVSD X2, 8(SI)(DX*8)
	ADDQ $2, DX
	CMPQ DX, AX
	JL   ltionly2

ltionly1:
	CMPQ DX, R10
	JGE  ltnext
	VMOVSD (SI)(DX*8), X2
	VMULSD (R8)(DX*8), X0, X3
	VSUBSD X3, X2, X2
	VMOVSD X2, (SI)(DX*8)
	JMP  ltnext

ltjonly:
	CMPQ DX, AX
	JGE  ltjonly1

ltjonly2:
	VMOVSD (SI)(DX*8), X2
	VMULSD (R9)(DX*8), X1, X4
	VSUBSD X4, X2, X2
	VMOVSD X2, (SI)(DX*8)
	VMOVSD 8(SI)(DX*8), X2
	VMULSD 8(R9)(DX*8), X1, X4
	VSUBSD X4, X2, X2
	VMOVSD X2, 8(SI)(DX*8)
	ADDQ $2, DX
	CMPQ DX, AX
	JL   ltjonly2

ltjonly1:
	CMPQ DX, R10
	JGE  ltnext
	VMOVSD (SI)(DX*8), X2
	VMULSD (R9)(DX*8), X1, X4
	VSUBSD X4, X2, X2
	VMOVSD X2, (SI)(DX*8)
	JMP  ltnext

ltnext:
	SUBQ $2, BX
	SUBQ R13, R12
	SUBQ R13, R12
	JMP  ltpair

ltone:
	CMPQ BX, $1
	JNE  ltdone
	VMOVSD 8(SI), X0      // x[1]
	VUCOMISD X15, X0
	JNE  ltonenz
	JP   ltonenz
	JMP  ltdone

ltonenz:
	VMOVSD (SI), X1
	VMULSD (R12), X0, X3  // L[1][0]·x[1]
	VSUBSD X3, X1, X1
	VMOVSD X1, (SI)

ltdone:
	VZEROUPPER
	RET

// func normInfAVX(v *float64, n int) float64
//
// NormInf: max |v[i]| over eight lanes, then the n mod 4 entries; each
// step keeps the running maximum unless |v[i]| is larger (VMAXPD with
// |v| first: a NaN entry loses, as in the Go loop's a > m).
TEXT ·normInfAVX(SB), NOSPLIT, $0-24
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), CX
	VPCMPEQQ Y2, Y2, Y2
	VPSRLQ $1, Y2, Y2
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1

ni8:
	CMPQ CX, $8
	JL   ni4
	VANDPD 0(SI), Y2, Y3
	VANDPD 32(SI), Y2, Y4
	VMAXPD Y0, Y3, Y0
	VMAXPD Y1, Y4, Y1
	ADDQ $64, SI
	SUBQ $8, CX
	JMP  ni8

ni4:
	CMPQ CX, $4
	JL   nired
	VANDPD 0(SI), Y2, Y3
	VMAXPD Y0, Y3, Y0
	ADDQ $32, SI
	SUBQ $4, CX

nired:
	VMAXPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X3
	VMAXPD X3, X0, X0
	VPERMILPD $1, X0, X3
	VMAXSD X3, X0, X0

ni1:
	TESTQ CX, CX
	JE   nidone
	VMOVSD 0(SI), X3
	VANDPD X2, X3, X3
	VMAXSD X0, X3, X0
	ADDQ $8, SI
	DECQ CX
	JMP  ni1

nidone:
	VZEROUPPER
	MOVSD X0, ret+16(FP)
	RET

// func dotRowsAVX(a *float64, lda, nrows int, x *float64, n int, out *float64)
//
// DotRows, n ≥ 8: per row, dotAVX's loops, reduction and fused scalar
// tail.
TEXT ·dotRowsAVX(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), R12
	MOVQ lda+8(FP), R13
	SHLQ $3, R13
	MOVQ nrows+16(FP), R14
	MOVQ x+24(FP), BX
	MOVQ n+32(FP), DX
	SHLQ $3, DX            // 8n
	MOVQ DX, R9
	ANDQ $-128, R9         // 8(n&^15)
	MOVQ DX, R8
	ANDQ $-32, R8          // 8(n&^3)
	MOVQ out+40(FP), R10

dwrow:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX            // byte offset into the row and x
	CMPQ AX, R9
	JGE  dw4

dw16:
	VMOVUPD 0(R12)(AX*1), Y4
	VMOVUPD 32(R12)(AX*1), Y5
	VMOVUPD 64(R12)(AX*1), Y6
	VMOVUPD 96(R12)(AX*1), Y7
	VFMADD231PD 0(BX)(AX*1), Y4, Y0
	VFMADD231PD 32(BX)(AX*1), Y5, Y1
	VFMADD231PD 64(BX)(AX*1), Y6, Y2
	VFMADD231PD 96(BX)(AX*1), Y7, Y3
	ADDQ $128, AX
	CMPQ AX, R9
	JL   dw16

dw4:
	CMPQ AX, R8
	JGE  dwreduce

dw4l:
	VMOVUPD 0(R12)(AX*1), Y4
	VFMADD231PD 0(BX)(AX*1), Y4, Y0
	ADDQ $32, AX
	CMPQ AX, R8
	JL   dw4l

dwreduce:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0
	CMPQ AX, DX
	JGE  dwstore

dwtail:
	VMOVSD 0(R12)(AX*1), X4
	VFMADD231SD 0(BX)(AX*1), X4, X0
	ADDQ $8, AX
	CMPQ AX, DX
	JL   dwtail

dwstore:
	VMOVSD X0, (R10)
	ADDQ $8, R10
	ADDQ R13, R12
	DECQ R14
	JNE  dwrow
	VZEROUPPER
	RET
