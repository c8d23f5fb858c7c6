#include "textflag.h"

// func transposeRows8AVX(sum *[4]float64, dst *float64, ld int, src *float64, cols, nq int)
//
// TransposeRows8 on the first 4·nq columns: per four columns j … j+3 the
// eight rows' entries (Y0–Y7) are added to two accumulators, the two
// 4×4 blocks transposed in registers and stored as the columns' rows
// 0…3 and 4…7; sum += the accumulators' lane sums at the end.
TEXT ·transposeRows8AVX(SB), NOSPLIT, $0-48
	MOVQ sum+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ ld+16(FP), R8
	SHLQ $3, R8              // 8·ld
	LEAQ (R8)(R8*2), R9      // 24·ld
	MOVQ src+24(FP), SI
	MOVQ cols+32(FP), DX
	SHLQ $3, DX              // 8·cols
	LEAQ (DX)(DX*2), R11     // 24·cols
	LEAQ (SI)(DX*4), CX      // rows 4 … 7
	MOVQ nq+40(FP), BX
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
trloop:
	VMOVUPD (SI), Y0
	VMOVUPD (SI)(DX*1), Y1
	VMOVUPD (SI)(DX*2), Y2
	VMOVUPD (SI)(R11*1), Y3
	VMOVUPD (CX), Y4
	VMOVUPD (CX)(DX*1), Y5
	VMOVUPD (CX)(DX*2), Y6
	VMOVUPD (CX)(R11*1), Y7
	VADDPD Y0, Y12, Y12
	VADDPD Y4, Y13, Y13
	VADDPD Y1, Y12, Y12
	VADDPD Y5, Y13, Y13
	VADDPD Y2, Y12, Y12
	VADDPD Y6, Y13, Y13
	VADDPD Y3, Y12, Y12
	VADDPD Y7, Y13, Y13
	VUNPCKLPD Y1, Y0, Y8
	VUNPCKHPD Y1, Y0, Y9
	VUNPCKLPD Y3, Y2, Y10
	VUNPCKHPD Y3, Y2, Y11
	VPERM2F128 $0x20, Y10, Y8, Y0
	VPERM2F128 $0x20, Y11, Y9, Y1
	VPERM2F128 $0x31, Y10, Y8, Y2
	VPERM2F128 $0x31, Y11, Y9, Y3
	VUNPCKLPD Y5, Y4, Y8
	VUNPCKHPD Y5, Y4, Y9
	VUNPCKLPD Y7, Y6, Y10
	VUNPCKHPD Y7, Y6, Y11
	VPERM2F128 $0x20, Y10, Y8, Y4
	VPERM2F128 $0x20, Y11, Y9, Y5
	VPERM2F128 $0x31, Y10, Y8, Y6
	VPERM2F128 $0x31, Y11, Y9, Y7
	VMOVUPD Y0, (DI)
	VMOVUPD Y4, 32(DI)
	VMOVUPD Y1, (DI)(R8*1)
	VMOVUPD Y5, 32(DI)(R8*1)
	VMOVUPD Y2, (DI)(R8*2)
	VMOVUPD Y6, 32(DI)(R8*2)
	VMOVUPD Y3, (DI)(R9*1)
	VMOVUPD Y7, 32(DI)(R9*1)
	ADDQ $32, SI
	ADDQ $32, CX
	LEAQ (DI)(R8*4), DI
	DECQ BX
	JNZ trloop
	VADDPD Y13, Y12, Y12
	VADDPD 0(AX), Y12, Y12
	VMOVUPD Y12, 0(AX)
	VZEROUPPER
	RET
