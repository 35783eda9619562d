#!/usr/bin/env bats
# kmcard-reader: lists the readers pcscd knows and waits for a card to
# come or go.  What can be tested without a pcscd is tested always (pcsc-
# lite is pointed at a socket that does not exist); listing and waiting are
# tested only when a pcscd with readers happens to be running.  This file
# never starts pcscd: the tests that start pcscd and a virtual card live
# with kmcard-sim.
load helper

setup() { cd "$BATS_TEST_TMPDIR" || return 1; }

USAGE='usage: kmcard-reader [-jt] [-r reader]
       kmcard-reader -w [-jt] [-r reader] [-T seconds]
       kmcard-reader -W [-r reader] [-T seconds]'

# No pcscd: pcsc-lite's client looks for its socket here instead.
nopcscd() { export PCSCLITE_CSOCK_NAME="$BATS_TEST_TMPDIR/no-pcscd.comm"; }

# A pcscd with at least one reader, or skip.
need_readers() {
	[ -S /run/pcscd/pcscd.comm ] || skip "pcscd is not running"
	kmcard-reader -t >/dev/null 2>&1 || skip "pcscd has no reader"
}

@test "kmcard-reader: -h prints the usage to stdout" {
	run -0 --separate-stderr kmcard-reader -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

@test "kmcard-reader: -V prints the version" {
	run -0 --separate-stderr kmcard-reader -V
	[[ "$output" == "kmcard-reader (km) "[0-9]* ]]
	[ -z "$stderr" ]
}

@test "kmcard-reader: an unknown option is a usage error" {
	run -2 --separate-stderr kmcard-reader -x
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == *"invalid option"* ]]
	[ "${stderr_lines[1]}" = "usage: kmcard-reader [-jt] [-r reader]" ]
}

@test "kmcard-reader: an operand is a usage error" {
	run -2 --separate-stderr kmcard-reader 'Virtual PCD 00 00'
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmcard-reader: -w with -W is a usage error" {
	run -2 --separate-stderr kmcard-reader -w -W
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
	run -2 --separate-stderr kmcard-reader -W -w
	[ "$stderr" = "$USAGE" ]
}

@test "kmcard-reader: -T without -w or -W is a usage error" {
	run -2 --separate-stderr kmcard-reader -T 5
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmcard-reader: -W writes nothing, so -j and -t are usage errors" {
	run -2 --separate-stderr kmcard-reader -W -j
	[ "$stderr" = "$USAGE" ]
	run -2 --separate-stderr kmcard-reader -t -W
	[ "$stderr" = "$USAGE" ]
}

@test "kmcard-reader: -T takes a whole number of seconds, 0 to 86400" {
	nopcscd
	for t in x -1 1.5 86401 '' 5s 99999999999999999999; do
		run -2 --separate-stderr kmcard-reader -w -T "$t"
		[ -z "$output" ]
		[ "$stderr" = "kmcard-reader: -T '$t': not a number of seconds (0 to 86400)" ]
	done
	# The limits themselves get as far as pcscd.
	run -4 --separate-stderr kmcard-reader -w -T 0
	run -4 --separate-stderr kmcard-reader -W -T 86400
}

@test "kmcard-reader: an empty reader name is a usage error" {
	run -2 --separate-stderr kmcard-reader -r ''
	[ -z "$output" ]
	[ "$stderr" = "kmcard-reader: -r '': no reader named" ]
}

@test "kmcard-reader: pcscd not running is temporary (exit 4)" {
	nopcscd
	run -4 --separate-stderr kmcard-reader
	[ -z "$output" ]
	[ "$stderr" = "kmcard-reader: cannot reach pcscd: service not available" ]
	run -4 --separate-stderr kmcard-reader -t -r 'Virtual PCD 00 00'
	[ -z "$output" ]
	[ "$stderr" = "kmcard-reader: cannot reach pcscd: service not available" ]
}

@test "kmcard-reader: waiting without pcscd is temporary too, at once" {
	nopcscd
	SECONDS=0
	run -4 --separate-stderr kmcard-reader -w -T 30
	[ -z "$output" ]
	[ "$stderr" = "kmcard-reader: cannot reach pcscd: service not available" ]
	run -4 --separate-stderr kmcard-reader -W -r 'Virtual PCD 00 00'
	[ "$stderr" = "kmcard-reader: cannot reach pcscd: service not available" ]
	[ "$SECONDS" -lt 5 ]
}

@test "kmcard-reader: lists the readers (when pcscd runs)" {
	need_readers
	run -0 --separate-stderr kmcard-reader -t
	[ -z "$stderr" ]
	[ "${#lines[@]}" -ge 1 ]
	for l in "${lines[@]}"; do
		IFS=$'\t' read -r name state atr <<<"$l"
		[ -n "$name" ]
		[[ "$state" =~ ^(empty|present|inuse|exclusive|mute|unavailable)$ ]]
		if [ "$state" = empty ]; then
			[ -z "$atr" ]
		fi
		[[ "$atr" =~ ^([0-9A-F]{2})*$ ]]
	done
	tsv=("${lines[@]}")
	run -0 --separate-stderr kmcard-reader -j
	[ "${#lines[@]}" -eq "${#tsv[@]}" ]
	run -0 jq -r '[.reader, .state, (.atr // "")] | @tsv' <<<"$output"
	[ "${lines[*]}" = "${tsv[*]}" ]
	run -0 --separate-stderr kmcard-reader
	[[ "${lines[0]}" == "reader      "* ]]
}

@test "kmcard-reader: -r lists one reader; an unknown one is exit 4 (when pcscd runs)" {
	need_readers
	first=$(kmcard-reader -t | head -n 1)
	name=${first%%$'\t'*}
	run -0 --separate-stderr kmcard-reader -t -r "$name"
	[ "${lines[0]%%$'\t'*}" = "$name" ]
	[ "${#lines[@]}" -eq 1 ]
	run -4 --separate-stderr kmcard-reader -r "$name x"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-reader: no reader '$name x'" ]
	run -4 --separate-stderr kmcard-reader -w -T 0 -r "$name x"
	[ "$stderr" = "kmcard-reader: no reader '$name x'" ]
}

@test "kmcard-reader: -w and -W with -T 0 agree with the list (when pcscd runs)" {
	need_readers
	first=$(kmcard-reader -t | head -n 1)
	IFS=$'\t' read -r name state atr <<<"$first"
	if [ "$state" = empty ]; then
		run -1 --separate-stderr kmcard-reader -w -T 0 -r "$name"
		[ -z "$output" ]
		[ "$stderr" = "kmcard-reader: no card in reader '$name' after 0 s" ]
		run -0 --separate-stderr kmcard-reader -W -T 0 -r "$name"
		[ -z "$output" ]
	else
		run -0 --separate-stderr kmcard-reader -w -t -T 0 -r "$name"
		[ "$output" = "$first" ]
		run -1 --separate-stderr kmcard-reader -W -T 0 -r "$name"
		[ "$stderr" = "kmcard-reader: reader '$name' still holds a card after 0 s" ]
	fi
}
