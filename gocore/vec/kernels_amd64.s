#include "textflag.h"

// func dotAVX(a, b *float64, n int) float64
// Σ a[i]·b[i] with AVX2/FMA: four 4-lane accumulators, then 4-wide and
// scalar tails.
TEXT ·dotAVX(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

dot16:
	CMPQ CX, $16
	JL   dot4
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
	JMP  dot16

dot4:
	CMPQ CX, $4
	JL   dotreduce
	VMOVUPD 0(SI), Y4
	VFMADD231PD 0(DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  dot4

dotreduce:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0

dottail:
	TESTQ CX, CX
	JE    dotdone
	VMOVSD (SI), X4
	VFMADD231SD (DI), X4, X0
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JMP  dottail

dotdone:
	VZEROUPPER
	MOVSD X0, ret+24(FP)
	RET

// func axpyAVX(alpha float64, x, y *float64, n int)
// y[i] += alpha·x[i] with AVX2/FMA.
TEXT ·axpyAVX(SB), NOSPLIT, $0-32
	VBROADCASTSD alpha+0(FP), Y0
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX

axpy8:
	CMPQ CX, $8
	JL   axpy4
	VMOVUPD 0(DI), Y1
	VMOVUPD 32(DI), Y2
	VFMADD231PD 0(SI), Y0, Y1
	VFMADD231PD 32(SI), Y0, Y2
	VMOVUPD Y1, 0(DI)
	VMOVUPD Y2, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  axpy8

axpy4:
	CMPQ CX, $4
	JL   axpytail
	VMOVUPD 0(DI), Y1
	VFMADD231PD 0(SI), Y0, Y1
	VMOVUPD Y1, 0(DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  axpy4

axpytail:
	TESTQ CX, CX
	JE    axpydone
	VMOVSD (DI), X1
	VFMADD231SD (SI), X0, X1
	VMOVSD X1, (DI)
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JMP  axpytail

axpydone:
	VZEROUPPER
	RET

// func dot4AVX(w0, w1, w2, w3, l *float64, n int, out *[4]float64)
// out[r] = Σ_{k<n} w_r[k]·l[k] for r = 0..3, n a multiple of 4. The shared
// vector l is loaded once for four dot products.
TEXT ·dot4AVX(SB), NOSPLIT, $0-56
	MOVQ w0+0(FP), R8
	MOVQ w1+8(FP), R9
	MOVQ w2+16(FP), R10
	MOVQ w3+24(FP), R11
	MOVQ l+32(FP), SI
	MOVQ n+40(FP), CX
	MOVQ out+48(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX

d4loop:
	CMPQ CX, $4
	JL   d4reduce
	VMOVUPD (SI)(AX*1), Y4
	VFMADD231PD (R8)(AX*1), Y4, Y0
	VFMADD231PD (R9)(AX*1), Y4, Y1
	VFMADD231PD (R10)(AX*1), Y4, Y2
	VFMADD231PD (R11)(AX*1), Y4, Y3
	ADDQ $32, AX
	SUBQ $4, CX
	JMP  d4loop

d4reduce:
	VHADDPD Y1, Y0, Y5
	VHADDPD Y3, Y2, Y6
	VPERM2F128 $0x20, Y6, Y5, Y7
	VPERM2F128 $0x31, Y6, Y5, Y8
	VADDPD Y8, Y7, Y7
	VMOVUPD Y7, (DI)
	VZEROUPPER
	RET

// func axpy4AVX(a *[4]float64, x0, x1, x2, x3, y *float64, n int)
// y[k] += a[0]·x0[k], then a[1]·x1[k], a[2]·x2[k], a[3]·x3[k] (four fused
// multiply–adds per element, in that order), AVX2/FMA; y is loaded and
// stored once for the four updates.
TEXT ·axpy4AVX(SB), NOSPLIT, $0-56
	MOVQ a+0(FP), AX
	VBROADCASTSD 0(AX), Y0
	VBROADCASTSD 8(AX), Y1
	VBROADCASTSD 16(AX), Y2
	VBROADCASTSD 24(AX), Y3
	MOVQ x0+8(FP), R8
	MOVQ x1+16(FP), R9
	MOVQ x2+24(FP), R10
	MOVQ x3+32(FP), R11
	MOVQ y+40(FP), DI
	MOVQ n+48(FP), CX
	XORQ SI, SI

a4loop:
	CMPQ CX, $4
	JL   a4tail
	VMOVUPD (DI)(SI*1), Y4
	VFMADD231PD (R8)(SI*1), Y0, Y4
	VFMADD231PD (R9)(SI*1), Y1, Y4
	VFMADD231PD (R10)(SI*1), Y2, Y4
	VFMADD231PD (R11)(SI*1), Y3, Y4
	VMOVUPD Y4, (DI)(SI*1)
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  a4loop

a4tail:
	TESTQ CX, CX
	JE    a4done
	VMOVSD (DI)(SI*1), X4
	VFMADD231SD (R8)(SI*1), X0, X4
	VFMADD231SD (R9)(SI*1), X1, X4
	VFMADD231SD (R10)(SI*1), X2, X4
	VFMADD231SD (R11)(SI*1), X3, X4
	VMOVSD X4, (DI)(SI*1)
	ADDQ $8, SI
	DECQ CX
	JMP  a4tail

a4done:
	VZEROUPPER
	RET

// func scaleAbsMaxAVX(col, s *float64, dj float64, rn *float64, n int, cn float64) float64
// One column of a Ruiz sweep, n a multiple of 4: with s non-nil,
// col[i] *= s[i]·dj (the product s[i]·dj first, as the Go loop); then
// rn[i] = max(rn[i], |col[i]|), and the result is max(cn, max_i |col[i]|).
// Each maximum keeps the running value unless |col[i]| is larger (VMAXPD
// with |col| first returns its second operand on a NaN, as the Go loop's
// a > cn skips one; a NaN cn stays). Bit for bit the Go loop's, NaNs
// included (|·| is never −0, max of the rest is exact and order-free).
TEXT ·scaleAbsMaxAVX(SB), NOSPLIT, $0-56
	MOVQ col+0(FP), SI
	MOVQ s+8(FP), DX
	VBROADCASTSD dj+16(FP), Y0
	MOVQ rn+24(FP), DI
	MOVQ n+32(FP), CX
	VBROADCASTSD cn+40(FP), Y1
	VBROADCASTSD cn+40(FP), Y5
	VPCMPEQQ Y2, Y2, Y2
	VPSRLQ $1, Y2, Y2
	TESTQ DX, DX
	JE    sam_plain8

sam_scale8:
	CMPQ CX, $8
	JL   sam_scale4
	VMULPD 0(DX), Y0, Y3
	VMULPD 32(DX), Y0, Y6
	VMULPD 0(SI), Y3, Y3
	VMULPD 32(SI), Y6, Y6
	VMOVUPD Y3, 0(SI)
	VMOVUPD Y6, 32(SI)
	VANDPD Y2, Y3, Y3
	VANDPD Y2, Y6, Y6
	VMAXPD Y1, Y3, Y1
	VMAXPD Y5, Y6, Y5
	VMAXPD 0(DI), Y3, Y3
	VMAXPD 32(DI), Y6, Y6
	VMOVUPD Y3, 0(DI)
	VMOVUPD Y6, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  sam_scale8

sam_scale4:
	CMPQ CX, $4
	JL   sam_done
	VMULPD 0(DX), Y0, Y3
	VMULPD 0(SI), Y3, Y3
	VMOVUPD Y3, 0(SI)
	VANDPD Y2, Y3, Y3
	VMAXPD Y1, Y3, Y1
	VMAXPD 0(DI), Y3, Y3
	VMOVUPD Y3, 0(DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  sam_scale4

sam_plain8:
	CMPQ CX, $8
	JL   sam_plain4
	VANDPD 0(SI), Y2, Y3
	VANDPD 32(SI), Y2, Y6
	VMAXPD Y1, Y3, Y1
	VMAXPD Y5, Y6, Y5
	VMAXPD 0(DI), Y3, Y3
	VMAXPD 32(DI), Y6, Y6
	VMOVUPD Y3, 0(DI)
	VMOVUPD Y6, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JMP  sam_plain8

sam_plain4:
	CMPQ CX, $4
	JL   sam_done
	VANDPD 0(SI), Y2, Y3
	VMAXPD Y1, Y3, Y1
	VMAXPD 0(DI), Y3, Y3
	VMOVUPD Y3, 0(DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  sam_plain4

sam_done:
	VMAXPD Y5, Y1, Y1
	VEXTRACTF128 $1, Y1, X3
	VMAXPD X3, X1, X1
	VPERMILPD $1, X1, X3
	VMAXSD X3, X1, X1
	VZEROUPPER
	MOVSD X1, ret+48(FP)
	RET
