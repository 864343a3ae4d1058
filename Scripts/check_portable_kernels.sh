#!/usr/bin/env bash
# Compiles Sources/CKernels as a CPU without x86 intrinsics would (Apple silicon, other ARM: the
# FOVEA_X86 branches left out) and checks that every function fovea_kernels.h declares is still
# defined, so a kernel whose portable stub is missing fails here rather than at link time on a Mac.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r Sources/CKernels "$work/src"
# The one switch: kernels_internal.h defines FOVEA_X86 on x86-64 only.
sed -i 's/defined(__x86_64__) || defined(_M_X64)/0/' "$work/src/kernels_internal.h"
grep -q '^#if 0$' "$work/src/kernels_internal.h" || { echo "check_portable_kernels: kernels_internal.h's x86 test changed; update this script"; exit 1; }
for file in "$work"/src/*.c; do
    clang -O1 -c -I"$work/src/include" -I"$work/src" "$file" -o "$work/$(basename "$file" .c).o"
done
nm "$work"/*.o | awk '$2 == "T" { print $3 }' | sort -u > "$work/defined"
grep -oE 'fovea_[a-z0-9_]+\(' Sources/CKernels/include/fovea_kernels.h | tr -d '(' | sort -u > "$work/declared"
missing=$(comm -23 "$work/declared" "$work/defined")
if [ -n "$missing" ]; then
    echo "check_portable_kernels: declared in fovea_kernels.h but not defined without x86:"
    echo "$missing"
    exit 1
fi
echo "check_portable_kernels: all $(wc -l < "$work/declared") kernel functions defined without x86"
