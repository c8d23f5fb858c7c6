package main

/*
#define LPGD_NO_PROTOTYPES
#include "lpgd.h"
*/
import "C"

// The one-pointer entries: lpgd_solve and lpgd_backward with their
// arguments in one struct (lpgd_solve_args, lpgd_backward_args). A ctypes
// caller pays per argument it converts (~0.13 µs each: ~0.9 µs of a
// 7-argument lpgd_solve call, ~1.2 µs of a 10-argument lpgd_backward,
// against ~0.2 µs for one pointer), so the Python layer writes the
// arguments into the call's own buffer and passes its address.

// lpgd_solve_packed is lpgd_solve on the arguments in *args (read during
// the call only); a NULL args is an argument error without a message (the
// error buffer is one of the arguments).
//
//export lpgd_solve_packed
func lpgd_solve_packed(args *C.lpgd_solve_args) C.int32_t {
	if args == nil {
		return codeArgument
	}
	return lpgd_solve(args.handle, args.settings, args.batch, args.values, args.out, args.err, args.errlen)
}

// lpgd_backward_packed is lpgd_backward on the arguments in *args (read
// during the call only); a NULL args is an argument error without a
// message.
//
//export lpgd_backward_packed
func lpgd_backward_packed(args *C.lpgd_backward_args) C.int32_t {
	if args == nil {
		return codeArgument
	}
	return lpgd_backward(args.handle, args.settings, args.opts, args.batch, args.values,
		args.forward, args.incoming, args.out, args.err, args.errlen)
}
