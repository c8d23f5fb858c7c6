#include "textflag.h"

// func forwardRows4AVX(l *float64, ld, k0, n int, w *float64, ldw int)
//
// ForwardRows4, k0 ≥ 8: for k = k0…n−1 and the four rows w_r of w
// (stride ldw), w_r[k] −= s_r with s_r dotAVX's sum of l[k·ld+j]·w_r[j]
// over j < k: its 16-wide loop into four 4-lane accumulators (A0…A3, here
// A0 and A1 for the four rows in a first pass, A2 and A3 in a second,
// skipped below k = 16 where they are zero),
// its 4-wide loop into A0, the reduction ((A0+A1)+(A2+A3), upper half
// onto lower, horizontal add) and its fused scalar tail, then the
// subtraction. Row k of l is loaded once for the four rows of w.
TEXT ·forwardRows4AVX(SB), NOSPLIT, $0-48
	MOVQ l+0(FP), SI
	MOVQ ld+8(FP), R13
	SHLQ $3, R13           // row stride of l in bytes
	MOVQ k0+16(FP), R12    // k
	MOVQ n+24(FP), BX
	MOVQ w+32(FP), R8
	MOVQ ldw+40(FP), DX
	SHLQ $3, DX            // row stride of w in bytes
	LEAQ (R8)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	MOVQ R12, AX
	IMULQ R13, AX
	ADDQ AX, SI            // row k0 of l

frrow:
	CMPQ R12, BX
	JGE  frdone
	// First pass: A0 (Y0…Y3) and A1 (Y4…Y7) of the four rows.
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX            // byte offset
	MOVQ R12, CX           // entries left

fra16:
	CMPQ CX, $16
	JL   fra4
	VMOVUPD 0(SI)(AX*1), Y12
	VMOVUPD 32(SI)(AX*1), Y13
	VFMADD231PD 0(R8)(AX*1), Y12, Y0
	VFMADD231PD 0(R9)(AX*1), Y12, Y1
	VFMADD231PD 0(R10)(AX*1), Y12, Y2
	VFMADD231PD 0(R11)(AX*1), Y12, Y3
	VFMADD231PD 32(R8)(AX*1), Y13, Y4
	VFMADD231PD 32(R9)(AX*1), Y13, Y5
	VFMADD231PD 32(R10)(AX*1), Y13, Y6
	VFMADD231PD 32(R11)(AX*1), Y13, Y7
	ADDQ $128, AX
	SUBQ $16, CX
	JMP  fra16

fra4:
	CMPQ CX, $4
	JL   frb
	VMOVUPD 0(SI)(AX*1), Y12
	VFMADD231PD 0(R8)(AX*1), Y12, Y0
	VFMADD231PD 0(R9)(AX*1), Y12, Y1
	VFMADD231PD 0(R10)(AX*1), Y12, Y2
	VFMADD231PD 0(R11)(AX*1), Y12, Y3
	ADDQ $32, AX
	SUBQ $4, CX
	JMP  fra4

frb:
	MOVQ AX, R14           // the scalar tail: offset and count
	MOVQ CX, DI
	VADDPD Y4, Y0, Y0      // A0 + A1
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	// Below k = 16 there is no 16-wide block: A1 = A2 = A3 = +0. A0 + A1
	// above already turned a −0 lane (an FMA's underflow) into +0, so
	// adding A2 + A3 = +0 changes no lane (a NaN stays the same NaN): the
	// second pass and its additions are skipped.
	CMPQ R12, $16
	JL   frfold
	// Second pass: A2 (Y4…Y7) and A3 (Y8…Y11), the 16-wide blocks only.
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	XORQ AX, AX
	MOVQ R12, CX

frb16:
	CMPQ CX, $16
	JL   frred
	VMOVUPD 64(SI)(AX*1), Y12
	VMOVUPD 96(SI)(AX*1), Y13
	VFMADD231PD 64(R8)(AX*1), Y12, Y4
	VFMADD231PD 64(R9)(AX*1), Y12, Y5
	VFMADD231PD 64(R10)(AX*1), Y12, Y6
	VFMADD231PD 64(R11)(AX*1), Y12, Y7
	VFMADD231PD 96(R8)(AX*1), Y13, Y8
	VFMADD231PD 96(R9)(AX*1), Y13, Y9
	VFMADD231PD 96(R10)(AX*1), Y13, Y10
	VFMADD231PD 96(R11)(AX*1), Y13, Y11
	ADDQ $128, AX
	SUBQ $16, CX
	JMP  frb16

frred:
	VADDPD Y8, Y4, Y4      // A2 + A3
	VADDPD Y9, Y5, Y5
	VADDPD Y10, Y6, Y6
	VADDPD Y11, Y7, Y7
	VADDPD Y4, Y0, Y0      // (A0 + A1) + (A2 + A3)
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3

frfold:
	VEXTRACTF128 $1, Y0, X4
	VEXTRACTF128 $1, Y1, X5
	VEXTRACTF128 $1, Y2, X6
	VEXTRACTF128 $1, Y3, X7
	VADDPD X4, X0, X0
	VADDPD X5, X1, X1
	VADDPD X6, X2, X2
	VADDPD X7, X3, X3
	VHADDPD X0, X0, X0
	VHADDPD X1, X1, X1
	VHADDPD X2, X2, X2
	VHADDPD X3, X3, X3

frtail:
	TESTQ DI, DI
	JE    frsub
	VMOVSD (SI)(R14*1), X12
	VFMADD231SD (R8)(R14*1), X12, X0
	VFMADD231SD (R9)(R14*1), X12, X1
	VFMADD231SD (R10)(R14*1), X12, X2
	VFMADD231SD (R11)(R14*1), X12, X3
	ADDQ $8, R14
	DECQ DI
	JMP  frtail

frsub:
	// w_r[k] −= s_r (R14 is now 8k).
	VMOVSD (R8)(R14*1), X4
	VMOVSD (R9)(R14*1), X5
	VMOVSD (R10)(R14*1), X6
	VMOVSD (R11)(R14*1), X7
	VSUBSD X0, X4, X4
	VSUBSD X1, X5, X5
	VSUBSD X2, X6, X6
	VSUBSD X3, X7, X7
	VMOVSD X4, (R8)(R14*1)
	VMOVSD X5, (R9)(R14*1)
	VMOVSD X6, (R10)(R14*1)
	VMOVSD X7, (R11)(R14*1)
	ADDQ R13, SI
	INCQ R12
	JMP  frrow

frdone:
	VZEROUPPER
	RET
