#!/usr/bin/env bats
# kmcard-apdu: sends command APDUs written in hex to the card in a reader
# and shows the answers.  What needs no card is tested here, with pcsc-
# lite pointed at a socket that does not exist, so that nothing here
# reaches a pcscd; the APDUs themselves, through pcscd, vpcd and a
# virtual card, are tested in kmcard-sim-pcsc.bats.
load helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export PCSCLITE_CSOCK_NAME="$BATS_TEST_TMPDIR/no-pcscd.comm"
}

USAGE='usage: kmcard-apdu [-jt] [-r reader] [apdu ...]'
SELECT='00 A4 04 00 07 F0 4B 4D 43 41 52 44 00'
NOPCSCD='kmcard-apdu: cannot reach pcscd: service not available'

@test "kmcard-apdu: -h prints the usage to stdout" {
	run -0 --separate-stderr kmcard-apdu -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

@test "kmcard-apdu: -V prints the version" {
	run -0 --separate-stderr kmcard-apdu -V
	[[ "$output" == "kmcard-apdu (km) "[0-9]* ]]
	[ -z "$stderr" ]
}

@test "kmcard-apdu: an unknown option is a usage error" {
	run -2 --separate-stderr kmcard-apdu -x "$SELECT"
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == *"invalid option"* ]]
	[ "${stderr_lines[1]}" = "$USAGE" ]
	run -2 --separate-stderr kmcard-apdu -r
	[ -z "$output" ]
	[ "${stderr_lines[1]}" = "$USAGE" ]
}

@test "kmcard-apdu: an empty reader name is a usage error" {
	run -2 --separate-stderr kmcard-apdu -r '' "$SELECT"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-apdu: -r '': no reader named" ]
}

@test "kmcard-apdu: APDUs go through pcscd, and no pcscd is exit 4" {
	run -4 --separate-stderr kmcard-apdu "$SELECT"
	[ -z "$output" ]
	[ "$stderr" = "$NOPCSCD" ]
	run -4 --separate-stderr kmcard-apdu -t -r 'Virtual PCD 00 00' \
	    '80:5C:00:01:0A' 00A4
	[ -z "$output" ]
	[ "$stderr" = "$NOPCSCD" ]
	run -4 --separate-stderr kmcard-apdu -j <<<"$SELECT"
	[ -z "$output" ]
	[ "$stderr" = "$NOPCSCD" ]
}

@test "kmcard-apdu: a malformed APDU is exit 3, names its argument, and nothing is sent" {
	# Checked before pcscd is asked: exit 3, not the 4 of no pcscd.
	run -3 --separate-stderr kmcard-apdu "$SELECT" '00 A4 04 0' 'zz' \
	    '00 A4 0 4' '' ' ' '00' '00 A4 04 00 07 F0 4B 4D 43 41 52 44 0G'
	[ -z "$output" ]
	[ "$stderr" = "kmcard-apdu: argument 2: APDU '00 A4 04 0': a byte of one hex digit (after 3 bytes)
kmcard-apdu: argument 3: APDU 'zz': 'z' is not a hex digit
kmcard-apdu: argument 4: APDU '00 A4 0 4': a byte of one hex digit (after 2 bytes)
kmcard-apdu: argument 5: APDU '': no bytes
kmcard-apdu: argument 6: APDU ' ': no bytes
kmcard-apdu: argument 7: APDU '00': one byte (a command has at least 2)
kmcard-apdu: argument 8: APDU '00 A4 04 00 07 F0 4B 4D 43 41 52 44 0G': 'G' is not a hex digit" ]
}

@test "kmcard-apdu: a malformed line on stdin is exit 3 and named by its line" {
	printf '# select\n%s\n\n80 5C 00 01 0A x\n  00a4\t04 00  \n' "$SELECT" > apdus
	run -3 --separate-stderr kmcard-apdu < apdus
	[ -z "$output" ]
	[ "$stderr" = "kmcard-apdu: <stdin>:4: APDU '80 5C 00 01 0A x': 'x' is not a hex digit" ]
}

@test "kmcard-apdu: the longest APDU passes the check, one byte more does not" {
	# 65544 bytes: an extended case 4 with 65535 data bytes; on stdin,
	# since an argument cannot be that long.
	head -c 65544 /dev/zero | od -An -v -tx1 | tr -d ' \n' > long
	echo >> long
	run -4 --separate-stderr kmcard-apdu < long
	[ -z "$output" ]
	[ "$stderr" = "$NOPCSCD" ]
	sed -i 's/$/00/' long
	run -3 --separate-stderr kmcard-apdu < long
	[ -z "$output" ]
	[ "$stderr" = "kmcard-apdu: <stdin>:1: APDU '$(printf '0%.0s' $(seq 48))...': 65545 bytes, more than an APDU holds (65544)" ]
}

@test "kmcard-apdu: no APDU at all sends nothing and asks no pcscd" {
	run -0 --separate-stderr kmcard-apdu < /dev/null
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-apdu -t <<<'# only a comment'
	[ -z "$output" ]
	[ -z "$stderr" ]
}
