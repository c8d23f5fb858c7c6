#include "textflag.h"

// Two-right-hand-side forms of vec's triangular and row kernels
// (tri_amd64.s there): each vector's instructions are those of the
// one-vector kernel (the same lanes, reductions and order, registers
// renamed), so each output is bit for bit the one-vector call's; the
// matrix is read once for both vectors.

// func lowerSolve4PairAVX(l *float64, ld, nb int, x, y *float64)
TEXT ·lowerSolve4PairAVX(SB), NOSPLIT, $0-40
	MOVQ l+0(FP), R12
	MOVQ ld+8(FP), R13
	SHLQ $3, R13
	MOVQ nb+16(FP), R14
	MOVQ x+24(FP), SI
	MOVQ y+32(FP), DI
	XORQ BX, BX           // 8k

psblk:
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	XORQ AX, AX

psdot:
	CMPQ AX, BX
	JGE  psred
	VMOVUPD (SI)(AX*1), Y4
	VMOVUPD (DI)(AX*1), Y5
	VMOVUPD (R8)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y0
	VFMADD231PD Y12, Y5, Y8
	VMOVUPD (R9)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y1
	VFMADD231PD Y12, Y5, Y9
	VMOVUPD (R10)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y2
	VFMADD231PD Y12, Y5, Y10
	VMOVUPD (R11)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y3
	VFMADD231PD Y12, Y5, Y11
	ADDQ $32, AX
	JMP  psdot

psred:
	// x: s0 X7, s1 X1, s2 X0, s3 X6
	VHADDPD Y1, Y0, Y5
	VHADDPD Y3, Y2, Y6
	VPERM2F128 $0x20, Y6, Y5, Y7
	VPERM2F128 $0x31, Y6, Y5, Y0
	VADDPD Y0, Y7, Y7
	VEXTRACTF128 $1, Y7, X0
	VPERMILPD $1, X7, X1
	VPERMILPD $1, X0, X6
	// y: s0 X15, s1 X9, s2 X8, s3 X14
	VHADDPD Y9, Y8, Y12
	VHADDPD Y11, Y10, Y13
	VPERM2F128 $0x20, Y13, Y12, Y15
	VPERM2F128 $0x31, Y13, Y12, Y8
	VADDPD Y8, Y15, Y15
	VEXTRACTF128 $1, Y15, X8
	VPERMILPD $1, X15, X9
	VPERMILPD $1, X8, X14

	// x's block triangle (lowerSolve4AVX's, results X10 X11 X13 X2)
	VMOVSD (SI)(BX*1), X10
	VSUBSD X7, X10, X10
	VMOVSD 8(SI)(BX*1), X11
	VSUBSD X1, X11, X11
	VMULSD (R9)(BX*1), X10, X12
	VSUBSD X12, X11, X11
	VMOVSD 16(SI)(BX*1), X13
	VSUBSD X0, X13, X13
	VMULSD (R10)(BX*1), X10, X12
	VSUBSD X12, X13, X13
	VMULSD 8(R10)(BX*1), X11, X12
	VSUBSD X12, X13, X13
	VMOVSD 24(SI)(BX*1), X2
	VSUBSD X6, X2, X2
	VMULSD (R11)(BX*1), X10, X12
	VSUBSD X12, X2, X2
	VMULSD 8(R11)(BX*1), X11, X12
	VSUBSD X12, X2, X2
	VMULSD 16(R11)(BX*1), X13, X12
	VSUBSD X12, X2, X2
	VMOVSD X10, (SI)(BX*1)
	VMOVSD X11, 8(SI)(BX*1)
	VMOVSD X13, 16(SI)(BX*1)
	VMOVSD X2, 24(SI)(BX*1)

	// y's block triangle
	VMOVSD (DI)(BX*1), X10
	VSUBSD X15, X10, X10
	VMOVSD 8(DI)(BX*1), X11
	VSUBSD X9, X11, X11
	VMULSD (R9)(BX*1), X10, X12
	VSUBSD X12, X11, X11
	VMOVSD 16(DI)(BX*1), X13
	VSUBSD X8, X13, X13
	VMULSD (R10)(BX*1), X10, X12
	VSUBSD X12, X13, X13
	VMULSD 8(R10)(BX*1), X11, X12
	VSUBSD X12, X13, X13
	VMOVSD 24(DI)(BX*1), X2
	VSUBSD X14, X2, X2
	VMULSD (R11)(BX*1), X10, X12
	VSUBSD X12, X2, X2
	VMULSD 8(R11)(BX*1), X11, X12
	VSUBSD X12, X2, X2
	VMULSD 16(R11)(BX*1), X13, X12
	VSUBSD X12, X2, X2
	VMOVSD X10, (DI)(BX*1)
	VMOVSD X11, 8(DI)(BX*1)
	VMOVSD X13, 16(DI)(BX*1)
	VMOVSD X2, 24(DI)(BX*1)

	ADDQ $32, BX
	LEAQ (R11)(R13*1), R12
	DECQ R14
	JNE  psblk
	VZEROUPPER
	RET

// func lowerTSolve4PairAVX(l *float64, ld, nb int, x, y *float64)
TEXT ·lowerTSolve4PairAVX(SB), NOSPLIT, $0-40
	MOVQ l+0(FP), R12
	MOVQ ld+8(FP), R13
	SHLQ $3, R13
	MOVQ nb+16(FP), R14
	MOVQ x+24(FP), SI
	MOVQ y+32(FP), DI
	VPCMPEQQ Y15, Y15, Y15
	VPSLLQ $63, Y15, Y15  // sign bit
	MOVQ R14, BX
	DECQ BX
	SHLQ $5, BX           // 8·i0
	MOVQ BX, AX
	SHRQ $3, AX
	IMULQ R13, AX
	ADDQ AX, R12

ptblk:
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	// x: x3 X3, x2 X2, x1 X1, x0 X0
	VMOVSD 24(SI)(BX*1), X3
	VMOVSD 16(SI)(BX*1), X2
	VMULSD 16(R11)(BX*1), X3, X12
	VSUBSD X12, X2, X2
	VMOVSD 8(SI)(BX*1), X1
	VMULSD 8(R11)(BX*1), X3, X12
	VSUBSD X12, X1, X1
	VMULSD 8(R10)(BX*1), X2, X12
	VSUBSD X12, X1, X1
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
	// y: y3 X11, y2 X10, y1 X9, y0 X8
	VMOVSD 24(DI)(BX*1), X11
	VMOVSD 16(DI)(BX*1), X10
	VMULSD 16(R11)(BX*1), X11, X12
	VSUBSD X12, X10, X10
	VMOVSD 8(DI)(BX*1), X9
	VMULSD 8(R11)(BX*1), X11, X12
	VSUBSD X12, X9, X9
	VMULSD 8(R10)(BX*1), X10, X12
	VSUBSD X12, X9, X9
	VMOVSD (DI)(BX*1), X8
	VMULSD (R11)(BX*1), X11, X12
	VSUBSD X12, X8, X8
	VMULSD (R10)(BX*1), X10, X12
	VSUBSD X12, X8, X8
	VMULSD (R9)(BX*1), X9, X12
	VSUBSD X12, X8, X8
	VMOVSD X8, (DI)(BX*1)
	VMOVSD X9, 8(DI)(BX*1)
	VMOVSD X10, 16(DI)(BX*1)
	VMOVSD X11, 24(DI)(BX*1)
	TESTQ BX, BX
	JE   ptdone
	VXORPD X15, X3, X3
	VXORPD X15, X2, X2
	VXORPD X15, X1, X1
	VXORPD X15, X0, X0
	VBROADCASTSD X3, Y4
	VBROADCASTSD X2, Y5
	VBROADCASTSD X1, Y6
	VBROADCASTSD X0, Y7
	VXORPD X15, X11, X11
	VXORPD X15, X10, X10
	VXORPD X15, X9, X9
	VXORPD X15, X8, X8
	VBROADCASTSD X11, Y0
	VBROADCASTSD X10, Y1
	VBROADCASTSD X9, Y2
	VBROADCASTSD X8, Y3
	XORQ AX, AX

ptaxpy:
	VMOVUPD (R11)(AX*1), Y8
	VMOVUPD (R10)(AX*1), Y9
	VMOVUPD (R9)(AX*1), Y10
	VMOVUPD (R8)(AX*1), Y11
	VMOVUPD (SI)(AX*1), Y12
	VFMADD231PD Y8, Y4, Y12
	VFMADD231PD Y9, Y5, Y12
	VFMADD231PD Y10, Y6, Y12
	VFMADD231PD Y11, Y7, Y12
	VMOVUPD Y12, (SI)(AX*1)
	VMOVUPD (DI)(AX*1), Y13
	VFMADD231PD Y8, Y0, Y13
	VFMADD231PD Y9, Y1, Y13
	VFMADD231PD Y10, Y2, Y13
	VFMADD231PD Y11, Y3, Y13
	VMOVUPD Y13, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JL   ptaxpy

	SUBQ $32, BX
	MOVQ R13, AX
	SHLQ $2, AX
	SUBQ AX, R12
	JMP  ptblk

ptdone:
	VZEROUPPER
	RET

// func dot4RowsPairAVX(a *float64, lda, ng int, x, y *float64, n int, ox, oy *float64)
TEXT ·dot4RowsPairAVX(SB), NOSPLIT, $0-64
	MOVQ a+0(FP), R12
	MOVQ lda+8(FP), R13
	SHLQ $3, R13
	MOVQ ng+16(FP), R14
	MOVQ x+24(FP), SI
	MOVQ y+32(FP), DI
	MOVQ n+40(FP), CX
	SHLQ $3, CX           // 8n
	MOVQ CX, DX
	ANDQ $-32, DX         // 8(n&^3)
	XORQ BX, BX           // 32g: the group's outputs

dpgrp:
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	XORQ AX, AX

dpvec:
	CMPQ AX, DX
	JGE  dpred
	VMOVUPD (SI)(AX*1), Y4
	VMOVUPD (DI)(AX*1), Y5
	VMOVUPD (R8)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y0
	VFMADD231PD Y12, Y5, Y8
	VMOVUPD (R9)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y1
	VFMADD231PD Y12, Y5, Y9
	VMOVUPD (R10)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y2
	VFMADD231PD Y12, Y5, Y10
	VMOVUPD (R11)(AX*1), Y12
	VFMADD231PD Y12, Y4, Y3
	VFMADD231PD Y12, Y5, Y11
	ADDQ $32, AX
	JMP  dpvec

dpred:
	// x: s0 X7, s1 X1, s2 X0, s3 X6
	VHADDPD Y1, Y0, Y5
	VHADDPD Y3, Y2, Y6
	VPERM2F128 $0x20, Y6, Y5, Y7
	VPERM2F128 $0x31, Y6, Y5, Y0
	VADDPD Y0, Y7, Y7
	VEXTRACTF128 $1, Y7, X0
	VPERMILPD $1, X7, X1
	VPERMILPD $1, X0, X6
	// y: s0 X15, s1 X9, s2 X8, s3 X14
	VHADDPD Y9, Y8, Y12
	VHADDPD Y11, Y10, Y13
	VPERM2F128 $0x20, Y13, Y12, Y15
	VPERM2F128 $0x31, Y13, Y12, Y8
	VADDPD Y8, Y15, Y15
	VEXTRACTF128 $1, Y15, X8
	VPERMILPD $1, X15, X9
	VPERMILPD $1, X8, X14

dptail:
	CMPQ AX, CX
	JGE  dpstore
	VMOVSD (SI)(AX*1), X4
	VMOVSD (DI)(AX*1), X5
	VMOVSD (R8)(AX*1), X2
	VMULSD X2, X4, X12
	VADDSD X12, X7, X7
	VMULSD X2, X5, X13
	VADDSD X13, X15, X15
	VMOVSD (R9)(AX*1), X2
	VMULSD X2, X4, X12
	VADDSD X12, X1, X1
	VMULSD X2, X5, X13
	VADDSD X13, X9, X9
	VMOVSD (R10)(AX*1), X2
	VMULSD X2, X4, X12
	VADDSD X12, X0, X0
	VMULSD X2, X5, X13
	VADDSD X13, X8, X8
	VMOVSD (R11)(AX*1), X2
	VMULSD X2, X4, X12
	VADDSD X12, X6, X6
	VMULSD X2, X5, X13
	VADDSD X13, X14, X14
	ADDQ $8, AX
	JMP  dptail

dpstore:
	MOVQ ox+48(FP), R8
	MOVQ oy+56(FP), R9
	VMOVSD X7, 0(R8)(BX*1)
	VMOVSD X1, 8(R8)(BX*1)
	VMOVSD X0, 16(R8)(BX*1)
	VMOVSD X6, 24(R8)(BX*1)
	VMOVSD X15, 0(R9)(BX*1)
	VMOVSD X9, 8(R9)(BX*1)
	VMOVSD X8, 16(R9)(BX*1)
	VMOVSD X14, 24(R9)(BX*1)
	ADDQ $32, BX
	LEAQ (R11)(R13*1), R12
	DECQ R14
	JNE  dpgrp
	VZEROUPPER
	RET

// func axpy4RowsPairAVX(cx, cy, a *float64, lda, ng int, x, y *float64, n int)
//
// n ≥ 4, as axpy4RowsAVX.
TEXT ·axpy4RowsPairAVX(SB), NOSPLIT, $0-64
	XORQ BX, BX           // 32g: the group's coefficients
	MOVQ a+16(FP), R12
	MOVQ lda+24(FP), R13
	SHLQ $3, R13
	MOVQ ng+32(FP), R14
	MOVQ x+40(FP), DI
	MOVQ y+48(FP), AX
	MOVQ n+56(FP), CX
	SHLQ $3, CX           // 8n
	MOVQ CX, DX
	ANDQ $-32, DX         // 8(n&^3)

apgrp:
	MOVQ cx+0(FP), R8
	MOVQ cy+8(FP), R9
	VBROADCASTSD 0(R8)(BX*1), Y0
	VBROADCASTSD 8(R8)(BX*1), Y1
	VBROADCASTSD 16(R8)(BX*1), Y2
	VBROADCASTSD 24(R8)(BX*1), Y3
	VBROADCASTSD 0(R9)(BX*1), Y8
	VBROADCASTSD 8(R9)(BX*1), Y9
	VBROADCASTSD 16(R9)(BX*1), Y10
	VBROADCASTSD 24(R9)(BX*1), Y11
	MOVQ R12, R8
	LEAQ (R8)(R13*1), R9
	LEAQ (R9)(R13*1), R10
	LEAQ (R10)(R13*1), R11
	XORQ SI, SI

apvec:
	CMPQ SI, DX
	JGE  aptail
	VMOVUPD (R8)(SI*1), Y12
	VMOVUPD (R9)(SI*1), Y13
	VMOVUPD (R10)(SI*1), Y14
	VMOVUPD (R11)(SI*1), Y15
	VMOVUPD (DI)(SI*1), Y4
	VFMADD231PD Y12, Y0, Y4
	VFMADD231PD Y13, Y1, Y4
	VFMADD231PD Y14, Y2, Y4
	VFMADD231PD Y15, Y3, Y4
	VMOVUPD Y4, (DI)(SI*1)
	VMOVUPD (AX)(SI*1), Y5
	VFMADD231PD Y12, Y8, Y5
	VFMADD231PD Y13, Y9, Y5
	VFMADD231PD Y14, Y10, Y5
	VFMADD231PD Y15, Y11, Y5
	VMOVUPD Y5, (AX)(SI*1)
	ADDQ $32, SI
	JMP  apvec

aptail:
	CMPQ SI, CX
	JGE  apnext
	VMOVSD (DI)(SI*1), X4
	VFMADD231SD (R8)(SI*1), X0, X4
	VFMADD231SD (R9)(SI*1), X1, X4
	VFMADD231SD (R10)(SI*1), X2, X4
	VFMADD231SD (R11)(SI*1), X3, X4
	VMOVSD X4, (DI)(SI*1)
	VMOVSD (AX)(SI*1), X5
	VFMADD231SD (R8)(SI*1), X8, X5
	VFMADD231SD (R9)(SI*1), X9, X5
	VFMADD231SD (R10)(SI*1), X10, X5
	VFMADD231SD (R11)(SI*1), X11, X5
	VMOVSD X5, (AX)(SI*1)
	ADDQ $8, SI
	JMP  aptail

apnext:
	ADDQ $32, BX
	LEAQ (R11)(R13*1), R12
	DECQ R14
	JNE  apgrp
	VZEROUPPER
	RET

// func ldlLeft4AVX(w *float64, n int, l *float64, ld, i0 int, d *float64)
//
// denseLDLRows' columns left of a four-row block (i0 > 0, rows i0…i0+3 of
// l): for j = 0, …, i0−1, the Dot4 of the rows w_0…w_3 (stride n) with
// L[j][:j] (dot4AVX's loop and reduction over j&^3 columns, then Dot4's
// tail, each product rounded, then added), then s_r = L[i0+r][j] − sum_r,
// w_r[j] = s_r and L[i0+r][j] = s_r / d[j], as the Go loop does.
TEXT ·ldlLeft4AVX(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), R8
	MOVQ n+8(FP), AX
	SHLQ $3, AX
	LEAQ (R8)(AX*1), R9
	LEAQ (R9)(AX*1), R10
	LEAQ (R10)(AX*1), R11
	MOVQ l+16(FP), R12     // row j of L
	MOVQ ld+24(FP), R13
	SHLQ $3, R13
	MOVQ i0+32(FP), SI
	IMULQ R13, SI
	ADDQ R12, SI           // row i0
	LEAQ (SI)(R13*1), DI   // row i0+1
	LEAQ (DI)(R13*1), BX   // row i0+2
	LEAQ (BX)(R13*1), CX   // row i0+3
	XORQ R14, R14          // 8j

lljrow:
	MOVQ i0+32(FP), AX
	SHLQ $3, AX
	CMPQ R14, AX
	JGE  lldone
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ R14, DX
	ANDQ $-64, DX          // 8(j&^7)
	XORQ AX, AX
	CMPQ AX, DX
	JGE  lldot

lldot8:
	// Two four-column steps a pass, each accumulator's FMAs in the
	// one-step loop's order.
	VMOVUPD (R12)(AX*1), Y4
	VMOVUPD 32(R12)(AX*1), Y5
	VFMADD231PD (R8)(AX*1), Y4, Y0
	VFMADD231PD (R9)(AX*1), Y4, Y1
	VFMADD231PD (R10)(AX*1), Y4, Y2
	VFMADD231PD (R11)(AX*1), Y4, Y3
	VFMADD231PD 32(R8)(AX*1), Y5, Y0
	VFMADD231PD 32(R9)(AX*1), Y5, Y1
	VFMADD231PD 32(R10)(AX*1), Y5, Y2
	VFMADD231PD 32(R11)(AX*1), Y5, Y3
	ADDQ $64, AX
	CMPQ AX, DX
	JL   lldot8

lldot:
	MOVQ R14, DX
	ANDQ $-32, DX          // 8(j&^3): one step left at most
	CMPQ AX, DX
	JGE  llred
	VMOVUPD (R12)(AX*1), Y4
	VFMADD231PD (R8)(AX*1), Y4, Y0
	VFMADD231PD (R9)(AX*1), Y4, Y1
	VFMADD231PD (R10)(AX*1), Y4, Y2
	VFMADD231PD (R11)(AX*1), Y4, Y3
	ADDQ $32, AX

llred:
	VHADDPD Y1, Y0, Y5
	VHADDPD Y3, Y2, Y6
	VPERM2F128 $0x20, Y6, Y5, Y7
	VPERM2F128 $0x31, Y6, Y5, Y8
	VADDPD Y8, Y7, Y7       // s0 s1 s2 s3
	VEXTRACTF128 $1, Y7, X8 // s2 (s3)
	VPERMILPD $1, X7, X9    // s1
	VPERMILPD $1, X8, X6    // s3

lltail:
	CMPQ AX, R14
	JGE  llupd
	VMOVSD (R12)(AX*1), X4
	VMULSD (R8)(AX*1), X4, X12
	VADDSD X12, X7, X7
	VMULSD (R9)(AX*1), X4, X12
	VADDSD X12, X9, X9
	VMULSD (R10)(AX*1), X4, X12
	VADDSD X12, X8, X8
	VMULSD (R11)(AX*1), X4, X12
	VADDSD X12, X6, X6
	ADDQ $8, AX
	JMP  lltail

llupd:
	MOVQ d+40(FP), DX
	VMOVSD (DX)(R14*1), X10 // d[j]
	VMOVSD (SI)(R14*1), X11
	VSUBSD X7, X11, X11
	VMOVSD X11, (R8)(R14*1)
	VDIVSD X10, X11, X11
	VMOVSD X11, (SI)(R14*1)
	VMOVSD (DI)(R14*1), X11
	VSUBSD X9, X11, X11
	VMOVSD X11, (R9)(R14*1)
	VDIVSD X10, X11, X11
	VMOVSD X11, (DI)(R14*1)
	VMOVSD (BX)(R14*1), X11
	VSUBSD X8, X11, X11
	VMOVSD X11, (R10)(R14*1)
	VDIVSD X10, X11, X11
	VMOVSD X11, (BX)(R14*1)
	VMOVSD (CX)(R14*1), X11
	VSUBSD X6, X11, X11
	VMOVSD X11, (R11)(R14*1)
	VDIVSD X10, X11, X11
	VMOVSD X11, (CX)(R14*1)
	ADDQ $8, R14
	ADDQ R13, R12
	JMP  lljrow

lldone:
	VZEROUPPER
	RET

// func ldlBlock4AVX(w *float64, n int, l *float64, ld, i0, nb int, d, signs *float64, eps, delta float64) (nreg, bad int)
//
// denseLDLRows inside a block of nb rows from i0 ≥ 8 (every dot of at
// least vec.Dot's assembly length): per row r, for j = i0, …, r−1,
// s = L[r][j] − Dot(w_r[:j], L[j][:j]), w_r[j] = s, L[r][j] = s / d[j];
// then dr = L[r][r] − Dot(L[r][:r], w_r[:r]) — each Dot dotAVX's loops,
// reduction and fused tail — and the pivot rule: a non-finite dr returns
// bad = 1 (d[r] not written), sign·dr < eps (not unordered) makes dr
// sign·delta and counts it in nreg; d[r] = dr.
TEXT ·ldlBlock4AVX(SB), NOSPLIT, $0-96
	MOVQ $0, nreg+80(FP)
	MOVQ $0, bad+88(FP)
	MOVQ w+0(FP), R10      // w_r
	MOVQ n+8(FP), R9
	SHLQ $3, R9
	MOVQ l+16(FP), R12
	MOVQ ld+24(FP), R13
	SHLQ $3, R13
	MOVQ i0+32(FP), R14
	MOVQ R14, AX
	IMULQ R13, AX
	LEAQ (R12)(AX*1), R11  // row r of L
	SHLQ $3, R14           // 8r

lbrow:
	MOVQ i0+32(FP), AX
	ADDQ nb+40(FP), AX
	SHLQ $3, AX
	CMPQ R14, AX
	JGE  lbdone
	MOVQ i0+32(FP), BX
	MOVQ BX, AX
	IMULQ R13, AX
	LEAQ (R12)(AX*1), DX   // row j of L
	SHLQ $3, BX            // 8j

lbj:
	MOVQ BX, CX
	SHRQ $3, CX            // j elements
	CMPQ BX, R14
	JGE  lbpsrc
	MOVQ R10, SI           // Dot(w_r[:j], L[j][:j])
	MOVQ DX, DI
	JMP  lbdot

lbpsrc:
	MOVQ R11, SI           // Dot(L[r][:r], w_r[:r])
	MOVQ R10, DI

lbdot:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

lbd16:
	CMPQ CX, $16
	JL   lbd4
	VMOVUPD 0(SI), Y4
	VMOVUPD 32(SI), Y5
	VMOVUPD 64(SI), Y6
	VMOVUPD 96(SI), Y7
	VFMADD231PD 0(DI), Y4, Y0
	VFMADD231PD 32(DI), Y5, Y1
	VFMADD231PD 64(DI), Y6, Y2
	VFMADD231PD 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $16, CX
	JMP  lbd16

lbd4:
	CMPQ CX, $4
	JL   lbdred
	VMOVUPD 0(SI), Y4
	VFMADD231PD 0(DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  lbd4

lbdred:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0

lbdtail:
	TESTQ CX, CX
	JE   lbdend
	VMOVSD (SI), X4
	VFMADD231SD (DI), X4, X0
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JMP  lbdtail

lbdend:
	CMPQ BX, R14
	JGE  lbpivot
	VMOVSD (R11)(BX*1), X1
	VSUBSD X0, X1, X1      // s
	VMOVSD X1, (R10)(BX*1)
	MOVQ d+48(FP), AX
	VDIVSD (AX)(BX*1), X1, X1
	VMOVSD X1, (R11)(BX*1)
	ADDQ $8, BX
	ADDQ R13, DX
	JMP  lbj

lbpivot:
	VMOVSD (R11)(R14*1), X1
	VSUBSD X0, X1, X1      // dr
	VSUBSD X1, X1, X2      // +0 when finite
	VXORPD X3, X3, X3
	VUCOMISD X3, X2
	JNE  lbbad
	JP   lbbad
	MOVQ signs+56(FP), AX
	VMOVSD (AX)(R14*1), X2 // sign
	VMULSD X1, X2, X3      // sign·dr
	VMOVSD eps+64(FP), X4
	VUCOMISD X4, X3
	JP   lbkeep
	JAE  lbkeep
	VMOVSD delta+72(FP), X4
	VMULSD X4, X2, X1      // sign·delta
	INCQ nreg+80(FP)

lbkeep:
	MOVQ d+48(FP), AX
	VMOVSD X1, (AX)(R14*1)
	ADDQ $8, R14
	ADDQ R9, R10
	ADDQ R13, R11
	JMP  lbrow

lbbad:
	MOVQ $1, bad+88(FP)

lbdone:
	VZEROUPPER
	RET

// func smallLDLAVX(l *float64, n int, signs, d, w *float64, eps, delta float64) (nreg, bad int)
//
// smallLDL (dualsmall.go) in one call: for each row r of the n×n lower
// triangle (stride n), for j < r, s = L[r][j] − Σ_{k<j} w[k]·L[j][k] (each
// product rounded, then subtracted, k increasing), w[j] = s,
// L[r][j] = s/d[j]; then dr = L[r][r] − Σ_{k<r} L[r][k]·w[k], bad = 1 and
// stop on a non-finite dr, sign·dr < eps replaced by sign·delta (counted
// in nreg), d[r] = dr. Scalar arithmetic in Go's order, bit for bit the
// Go loops (but for a NaN's payload); the k loops two terms a pass.
TEXT ·smallLDLAVX(SB), NOSPLIT, $0-72
	MOVQ l+0(FP), R12
	MOVQ n+8(FP), R9
	SHLQ $3, R9            // 8n: the stride and the end of r
	MOVQ signs+16(FP), SI
	MOVQ d+24(FP), R8
	MOVQ w+32(FP), R10
	XORQ DI, DI            // nreg
	XORQ R14, R14          // 8r
	MOVQ R12, R11          // row r of L

slrow:
	CMPQ R14, R9
	JGE  sldone
	XORQ BX, BX            // 8j
	MOVQ R12, DX           // row j of L

slj:
	CMPQ BX, R14
	JGE  slpivot
	VMOVSD (R11)(BX*1), X0 // s = L[r][j]
	XORQ CX, CX            // 8k

slk2:
	LEAQ 8(CX), AX
	CMPQ AX, BX
	JGE  slk1
	VMOVSD (R10)(CX*1), X1
	VMULSD (DX)(CX*1), X1, X1
	VSUBSD X1, X0, X0
	VMOVSD 8(R10)(CX*1), X2
	VMULSD 8(DX)(CX*1), X2, X2
	VSUBSD X2, X0, X0
	ADDQ $16, CX
	JMP  slk2

slk1:
	CMPQ CX, BX
	JGE  slkend
	VMOVSD (R10)(CX*1), X1
	VMULSD (DX)(CX*1), X1, X1
	VSUBSD X1, X0, X0

slkend:
	VMOVSD X0, (R10)(BX*1)   // w[j] = s
	VDIVSD (R8)(BX*1), X0, X0
	VMOVSD X0, (R11)(BX*1)   // L[r][j] = s/d[j]
	ADDQ $8, BX
	ADDQ R9, DX
	JMP  slj

slpivot:
	VMOVSD (R11)(R14*1), X0 // dr = L[r][r]
	XORQ CX, CX

slp2:
	LEAQ 8(CX), AX
	CMPQ AX, R14
	JGE  slp1
	VMOVSD (R11)(CX*1), X1
	VMULSD (R10)(CX*1), X1, X1
	VSUBSD X1, X0, X0
	VMOVSD 8(R11)(CX*1), X2
	VMULSD 8(R10)(CX*1), X2, X2
	VSUBSD X2, X0, X0
	ADDQ $16, CX
	JMP  slp2

slp1:
	CMPQ CX, R14
	JGE  slpend
	VMOVSD (R11)(CX*1), X1
	VMULSD (R10)(CX*1), X1, X1
	VSUBSD X1, X0, X0

slpend:
	VSUBSD X0, X0, X2      // +0 when finite
	VXORPD X3, X3, X3
	VUCOMISD X3, X2
	JNE  slbad
	JP   slbad
	VMOVSD (SI)(R14*1), X2 // sign
	VMULSD X0, X2, X3      // sign·dr
	VMOVSD eps+40(FP), X4
	VUCOMISD X4, X3
	JP   slkeep
	JAE  slkeep
	VMOVSD delta+48(FP), X4
	VMULSD X4, X2, X0      // sign·delta
	INCQ DI

slkeep:
	VMOVSD X0, (R8)(R14*1)
	ADDQ $8, R14
	ADDQ R9, R11
	JMP  slrow

slbad:
	MOVQ DI, nreg+56(FP)
	MOVQ $1, bad+64(FP)
	RET

sldone:
	MOVQ DI, nreg+56(FP)
	MOVQ $0, bad+64(FP)
	RET

// func putRunAVX(dst, vals *float64, n, stride int)
//
// putRun, n ≥ 1 and stride ≥ 1 (in entries): dst[i·stride] = +0 + vals[i]
// for i < n (the addition turns −0 into +0, as the Go loop's). Stride 1:
// eight entries a step in two registers, then one at a time; otherwise
// four a step, then one at a time.
TEXT ·putRunAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ vals+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), R8
	VXORPD Y15, Y15, Y15
	CMPQ R8, $1
	JNE  prstrided

pr8:
	CMPQ CX, $8
	JL   pr1
	VADDPD 0(SI), Y15, Y0
	VADDPD 32(SI), Y15, Y1
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  pr8

prstrided:
	SHLQ $3, R8            // stride in bytes
	LEAQ (R8)(R8*2), R9    // 3·stride

prs4:
	CMPQ CX, $4
	JL   prs1
	VADDSD 0(SI), X15, X0
	VADDSD 8(SI), X15, X1
	VADDSD 16(SI), X15, X2
	VADDSD 24(SI), X15, X3
	VMOVSD X0, (DI)
	VMOVSD X1, (DI)(R8*1)
	VMOVSD X2, (DI)(R8*2)
	VMOVSD X3, (DI)(R9*1)
	LEAQ (DI)(R8*4), DI
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  prs4

prs1:
	SHRQ $3, R8            // the one-at-a-time loop below steps by 8·stride

pr1:
	TESTQ CX, CX
	JE   prdone
	VADDSD 0(SI), X15, X0
	VMOVSD X0, (DI)
	LEAQ (DI)(R8*8), DI
	ADDQ $8, SI
	DECQ CX
	JMP  pr1

prdone:
	VZEROUPPER
	RET

// func forwardHeadAVX(lp *float64, nx, k0 int, w *float64, nrows int)
//
// forwardHead on nrows rows of w (stride nx): for each row and
// k = 1…k0−1 (k0 ≤ 8), with a row k of L and b the row of w, the sums
// s0…s3 from +0: for k ≥ 4 s_c += a[c]·b[c] (c < 4), then s0 += a[j]·b[j]
// for j = 4 (0 for k < 4) … k−1, each product rounded, then added; then
// w[k] −= (s0 + s1) + (s2 + s3). Scalar arithmetic in forwardHead's
// order, bit for bit (but for a NaN's payload).
TEXT ·forwardHeadAVX(SB), NOSPLIT, $0-40
	MOVQ lp+0(FP), R12
	MOVQ nx+8(FP), R13
	SHLQ $3, R13           // row stride in bytes (L and w)
	MOVQ k0+16(FP), R9
	MOVQ w+24(FP), DI      // the row of w
	MOVQ nrows+32(FP), R14

fhrow:
	TESTQ R14, R14
	JE   fhdone
	MOVQ $1, BX            // k
	LEAQ (R12)(R13*1), SI  // row k of L

fhk:
	CMPQ BX, R9
	JGE  fhnext
	VXORPD X0, X0, X0
	VXORPD X1, X1, X1
	VXORPD X2, X2, X2
	VXORPD X3, X3, X3
	XORQ CX, CX            // j
	CMPQ BX, $4
	JL   fhj
	VMOVSD 0(SI), X4
	VMULSD 0(DI), X4, X4
	VADDSD X4, X0, X0
	VMOVSD 8(SI), X5
	VMULSD 8(DI), X5, X5
	VADDSD X5, X1, X1
	VMOVSD 16(SI), X6
	VMULSD 16(DI), X6, X6
	VADDSD X6, X2, X2
	VMOVSD 24(SI), X7
	VMULSD 24(DI), X7, X7
	VADDSD X7, X3, X3
	MOVQ $4, CX

fhj:
	CMPQ CX, BX
	JGE  fhsum
	VMOVSD (SI)(CX*8), X4
	VMULSD (DI)(CX*8), X4, X4
	VADDSD X4, X0, X0
	INCQ CX
	JMP  fhj

fhsum:
	VADDSD X1, X0, X0      // s0 + s1
	VADDSD X3, X2, X2      // s2 + s3
	VADDSD X2, X0, X0
	VMOVSD (DI)(BX*8), X4
	VSUBSD X0, X4, X4
	VMOVSD X4, (DI)(BX*8)
	INCQ BX
	ADDQ R13, SI
	JMP  fhk

fhnext:
	ADDQ R13, DI
	DECQ R14
	JMP  fhrow

fhdone:
	RET
