#!/usr/bin/env bats
# The chip through the real PC/SC stack: a private pcscd with the vpcd
# reader (scripts/km-pcscd), virtual cards (kmcard-sim) put in and taken
# out of it, and on the host side kmcard-reader, kmcard-apdu and the test
# driver tests/chip/kmchip, which runs the km application's sessions
# (lib/kmapp.c) over lib/pcsc.c.  Only one pcscd runs per machine: the
# stack is started once for the file and always stopped at its end; every
# test takes its card out again.  kmcard-sim -x pulls a card out at a
# chosen command, which is how sessions are torn.
load helper

PATH="$KM_ROOT/tests/chip:$KM_ROOT/scripts:$PATH"
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

READER='Virtual PCD 00 00'
ATR=3BF81300008131FE154B4D434152443031A3
SELECT=00A4040007F04B4D4341524400
UIDA=04A1B2C3D4E5F6
UIDB=04112233

# A port p with p and p + 1 free (vpcd listens on both).
free_port() {
	local p used
	used=$(ss -ltnH | awk '{ n = split($4, a, ":"); print a[n] }')
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 40000))
		if ! grep -qx -e "$p" -e "$((p + 1))" <<<"$used"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

setup_file() {
	export KM_PCSCD_DIR="$BATS_FILE_TMPDIR/pcscd"
	local port
	# pcscd's socket lives in /run/pcscd: only root can start one here.
	if [ "$(id -u)" -ne 0 ]; then
		export KM_CHIP_SKIP="pcscd needs root"
		return 0
	fi
	# Another test run's pcscd: wait for it to end (2 minutes at most).
	for _ in $(seq 1200); do
		pgrep -x pcscd >/dev/null || break
		sleep 0.1
	done
	if pgrep -x pcscd >/dev/null; then
		echo "a pcscd this test did not start is running:" \
		    "$(pgrep -a -x pcscd)" >&2
		return 1
	fi
	port=$(free_port) || { echo "no free port" >&2; return 1; }
	km-pcscd start -p "$port" || { km-pcscd stop; return 1; }
}

teardown_file() {
	[ -n "${KM_CHIP_SKIP:-}" ] || km-pcscd stop
}

setup() {
	[ -z "${KM_CHIP_SKIP:-}" ] || skip "$KM_CHIP_SKIP"
	cd "$BATS_TEST_TMPDIR" || return 1
	# The scheme's master keys 1 to 4.
	printf '%s\n' 000102030405060708090A0B0C0D0E0F \
	    101112131415161718191A1B1C1D1E1F 202122232425262728292A2B2C2D2E2F \
	    303132333435363738393A3B3C3D3E3F > keys
}

teardown() {
	[ -n "${KM_CHIP_SKIP:-}" ] || km-pcscd remove
}

# eq ACTUAL EXPECTED: string equality that shows both on failure.
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}

# personalised FILE UID: a card personalised with keys, in the reader.
personalised() {
	kmcard-sim -n -u "$2" "$1"
	km-pcscd insert "$1"
	kmchip perso keys >/dev/null
}

# field KEY: the value of KEY in kmchip state (the card in the reader).
field() {
	kmchip state | awk -F '\t' -v k="$1" '$1 == k { sub(/^[^\t]*\t/, ""); print }'
}

# ------------------------------------------------------------ reader, ATR

@test "kmcard-sim-pcsc: a blank card is seen by kmcard-reader with its ATR" {
	kmcard-sim -n -u "$UIDA" card.km
	run -0 --separate-stderr kmcard-reader -t -r "$READER"
	eq "$output" "$READER	empty	"
	eq "$stderr" ""
	km-pcscd insert card.km
	run -0 --separate-stderr kmcard-reader -t -r "$READER"
	eq "$output" "$READER	present	$ATR"
	eq "$stderr" ""
	run -0 --separate-stderr kmcard-reader -w -j -T 0
	eq "$output" "{\"reader\":\"$READER\",\"state\":\"present\",\"atr\":\"$ATR\"}"
	eq "$stderr" ""
}

# ------------------------------------------------------------ kmcard-apdu

@test "kmcard-sim-pcsc: SELECT through kmcard-apdu gives the FCI with the UID" {
	kmcard-sim -n -u "$UIDA" card.km
	km-pcscd insert card.km
	fci=6F198407F04B4D43415244A50E9F1007${UIDA}9F110100
	run -0 --separate-stderr kmcard-apdu -t -r "$READER" \
	    '00 A4 04 00 07 F0 4B 4D 43 41 52 44 00'
	eq "$output" "$SELECT	$fci	9000	done"
	eq "$stderr" ""
	# Without -r: the first reader with a card; one APDU a line on stdin.
	run -0 --separate-stderr kmcard-apdu -j <<-EOF
	# select, then purse 1
	$SELECT

	  80:5C:00:01:0A
	EOF
	eq "${lines[0]}" "{\"command\":\"$SELECT\",\"data\":\"$fci\",\"sw\":\"9000\",\"meaning\":\"done\"}"
	eq "${lines[1]}" '{"command":"805C00010A","data":"00000000000000000000","sw":"9000","meaning":"done"}'
	eq "${#lines[@]}" 2
	eq "$stderr" ""
	run -0 --separate-stderr kmcard-apdu "$SELECT" 00B2013C
	eq "$output" "command     $SELECT
data        $fci
sw          9000
meaning     done

command     00B2013C
data        $(printf '0%.0s' $(seq 58))
sw          9000
meaning     done"
	eq "$stderr" ""
}

@test "kmcard-sim-pcsc: malformed APDUs get status words and the card stays up" {
	kmcard-sim -n -u "$UIDA" card.km
	km-pcscd insert card.km
	cp card.km before.km
	run -0 --separate-stderr kmcard-apdu -t "$SELECT" \
	    '00 A4 04' \
	    '00 A4 04 00 05 F0 4B 4D 43 41 52 44' \
	    '00 A4 04 00 08 F0 4B 4D 43 41 52 44' \
	    '00 A4 04 00 07 F0 4B 4D 43 41 52 44 00 00 00' \
	    '80 5C 00 01 00 00 0A' \
	    '00 FF 00 00' \
	    '90 5C 00 01 0A' \
	    '80 5C 00 01 0A'
	eq "$stderr" ""
	eq "${#lines[@]}" 9
	[[ "${lines[0]}" == "$SELECT	6F19"*"	9000	done" ]]
	eq "${lines[1]}" "00A404		6700	wrong length"
	eq "${lines[2]}" "00A4040005F04B4D43415244		6700	wrong length"
	eq "${lines[3]}" "00A4040008F04B4D43415244		6700	wrong length"
	eq "${lines[4]}" "00A4040007F04B4D43415244000000		6700	wrong length"
	eq "${lines[5]}" "805C000100000A		6700	wrong length"
	eq "${lines[6]}" "00FF0000		6D00	instruction not supported"
	eq "${lines[7]}" "905C00010A		6E00	class not supported"
	# The application is still selected, and answers.
	eq "${lines[8]}" "805C00010A	00000000000000000000	9000	done"
	run -0 --separate-stderr kmcard-reader -t -r "$READER"
	eq "$output" "$READER	present	$ATR"
	run -0 --separate-stderr kmchip state
	eq "${lines[1]}" "state	blank"
	eq "$stderr" ""
	cmp card.km before.km
}

@test "kmcard-sim-pcsc: kmcard-apdu with no card is exit 4, naming the reader" {
	run -4 --separate-stderr kmcard-apdu -r "$READER" "$SELECT"
	eq "$output" ""
	eq "$stderr" "kmcard-apdu: no card in reader '$READER'"
	run -4 --separate-stderr kmcard-apdu "$SELECT"
	eq "$output" ""
	eq "$stderr" "kmcard-apdu: no card in any reader"
	run -4 --separate-stderr kmcard-apdu -r 'ACS ACR39U 00' "$SELECT"
	eq "$output" ""
	eq "$stderr" "kmcard-apdu: no reader 'ACS ACR39U 00'"
	run -4 --separate-stderr kmchip -r "$READER" state
	eq "$output" ""
	eq "$stderr" "kmchip: no card in reader '$READER'"
}

@test "kmcard-sim-pcsc: a card taken out midway: the answers so far, then exit 4" {
	kmcard-sim -n -u "$UIDA" card.km
	km-pcscd insert -x 2 card.km
	run -4 --separate-stderr kmcard-apdu -t "$SELECT" 805C00010A 805C00020A
	eq "${#lines[@]}" 1
	[[ "${lines[0]}" == "$SELECT	6F19"*"	9000	done" ]]
	eq "$stderr" "kmcard-apdu: argument 2: the card in reader '$READER' gave no answer (taken out?)"
	km-pcscd insert card.km
	run -0 --separate-stderr kmcard-apdu -t "$SELECT"
	eq "$stderr" ""
}

@test "kmcard-sim-pcsc: two cards one after another, as at a desk" {
	kmcard-sim -n -u "$UIDA" a.km
	kmcard-sim -n -u "$UIDB" b.km
	km-pcscd insert a.km
	run -0 --separate-stderr kmchip state
	eq "${lines[0]}" "uid	$UIDA"
	eq "$stderr" ""
	km-pcscd remove
	run -0 --separate-stderr kmcard-reader -W -r "$READER" -T 0
	eq "$output" ""
	eq "$stderr" ""
	km-pcscd insert b.km
	run -0 --separate-stderr kmcard-apdu -t "$SELECT"
	eq "$output" "$SELECT	6F168407F04B4D43415244A50B9F1004${UIDB}9F110100	9000	done"
	eq "$stderr" ""
	run -0 --separate-stderr kmchip state
	eq "${lines[0]}" "uid	$UIDB"
	km-pcscd remove
	km-pcscd insert a.km
	run -0 --separate-stderr kmchip state
	eq "${lines[0]}" "uid	$UIDA"
}

# ------------------------------------------------------------ sessions

@test "kmcard-sim-pcsc: personalisation, load and debit; the purse MACs verify" {
	kmcard-sim -n -u "$UIDA" card.km
	km-pcscd insert card.km
	run -0 --separate-stderr kmchip perso keys
	eq "$output" "uid	$UIDA"
	eq "$stderr" ""
	run -0 --separate-stderr kmchip state
	eq "${lines[1]}" "state	personalised"
	eq "${lines[2]}" "ratified	1"
	eq "${lines[3]}" "sessions	1"
	eq "${lines[4]}" "purse1	0	0	100000"
	eq "${lines[5]}" "purse2	0	0	10000"
	eq "${lines[6]}" "environment	019001000000000017011F62$(printf '0%.0s' $(seq 34))"
	# A blank card only: the transport key no longer opens it.
	run -3 --separate-stderr kmchip perso keys
	eq "$output" ""
	eq "$stderr" "kmchip: the card is not blank"

	run -0 --separate-stderr kmchip load keys 1 5000
	eq "$stderr" ""
	IFS=$'\t' read -r bal ctr mac <<<"$output"
	eq "$bal $ctr" "5000 1"
	[[ "$mac" =~ ^[0-9A-F]{16}$ ]]
	run -0 --separate-stderr kmchip verify keys "$UIDA" 1 C 1 5000 5000 "$mac"
	eq "$output" ""
	eq "$stderr" ""

	run -0 --separate-stderr kmchip debit keys 1 340
	eq "$stderr" ""
	IFS=$'\t' read -r bal ctr mac prev <<<"$output"
	eq "$bal $ctr $prev" "4660 2 1"
	run -0 --separate-stderr kmchip verify keys "$UIDA" 1 D 2 340 4660 "$mac"
	eq "$stderr" ""
	# A debit certificate is not a credit's.
	run -1 --separate-stderr kmchip verify keys "$UIDA" 1 C 2 340 4660 "$mac"
	eq "$stderr" "kmchip: purse certificate does not verify"

	# Points the purse does not hold: refused, nothing written.
	run -1 --separate-stderr kmchip debit keys 2 1
	eq "$output" ""
	eq "$stderr" "kmchip: purse debit: card answers 9401: purse balance too low"

	run -0 --separate-stderr kmchip state
	eq "${lines[3]}" "sessions	3"
	eq "${lines[4]}" "purse1	4660	2	100000"
	eq "${lines[5]}" "purse2	0	0	10000"
	# The events, newest first: the debit, then the load.
	eq "${lines[7]}" "event1	4401000001540000123400020000000000000000000000000000000000"
	eq "${lines[8]}" "event2	4C01000013880000138800010000000000000000000000000000000000"
	eq "$(sed -n 's/^purse 1 //p' card.km)" "4660 2 100000"
}

@test "kmcard-sim-pcsc: a purse MAC fails when any byte of MAC, amount, balance, counter or UID changes" {
	personalised card.km "$UIDA"
	kmchip load keys 1 5000 >/dev/null
	IFS=$'\t' read -r bal ctr mac prev < <(kmchip debit keys 1 340)
	run -0 --separate-stderr kmchip verify keys "$UIDA" 1 D "$ctr" 340 "$bal" "$mac"
	eq "$output" ""
	eq "$stderr" ""
	bad() {
		run -1 --separate-stderr kmchip verify keys "$@"
		eq "$output" ""
		eq "$stderr" "kmchip: purse certificate does not verify"
	}
	# Each byte of the MAC, each byte of the UID.
	for i in $(seq 0 2 14); do
		b=$(printf '%02X' $((0x${mac:i:2} ^ 0x01)))
		bad "$UIDA" 1 D "$ctr" 340 "$bal" "${mac:0:i}$b${mac:i+2}"
	done
	for i in $(seq 0 2 12); do
		b=$(printf '%02X' $((0x${UIDA:i:2} ^ 0x80)))
		bad "${UIDA:0:i}$b${UIDA:i+2}" 1 D "$ctr" 340 "$bal" "$mac"
	done
	# Each byte of amount, balance and counter as the MAC covers them.
	for d in 1 256 65536 16777216; do
		bad "$UIDA" 1 D "$ctr" $((340 ^ d)) "$bal" "$mac"
		bad "$UIDA" 1 D "$ctr" 340 $((bal ^ d)) "$mac"
	done
	bad "$UIDA" 1 D $((ctr ^ 1)) 340 "$bal" "$mac"
	bad "$UIDA" 1 D $((ctr ^ 256)) 340 "$bal" "$mac"
	# The purse, the operation, and another scheme's key 4.
	bad "$UIDA" 2 D "$ctr" 340 "$bal" "$mac"
	bad "$UIDA" 1 C "$ctr" 340 "$bal" "$mac"
	sed -i '4s/^3/4/' keys
	bad "$UIDA" 1 D "$ctr" 340 "$bal" "$mac"
}

@test "kmcard-sim-pcsc: replayed and missing purse counters are detected" {
	personalised card.km "$UIDA"
	kmchip load keys 1 5000 >/dev/null
	c=()
	for _ in 1 2 3; do
		c+=("$(kmchip debit keys 1 100 | cut -f2)")
	done
	eq "${c[*]}" "2 3 4"
	# In any order, each once: nothing wrong.
	run -0 --separate-stderr kmchip counters 0 1 "${c[@]}"
	eq "$output" "replays	0
gaps	0"
	eq "$stderr" ""
	run -0 --separate-stderr kmchip counters 1 "${c[2]}" "${c[0]}" "${c[1]}"
	eq "$stderr" ""
	# A counter seen twice.
	run -1 --separate-stderr kmchip counters 1 "${c[@]}" "${c[1]}"
	eq "$output" "replays	1
gaps	0"
	eq "$stderr" "kmchip: purse counter 3 seen before: a replay (1 replayed, 0 missing)"
	# One that comes after the batch it belonged to was accounted for.
	run -1 --separate-stderr kmchip counters 4 "${c[0]}"
	eq "$output" "replays	1
gaps	0"
	eq "$stderr" "kmchip: purse counter 2 seen before: a replay (1 replayed, 0 missing)"
	# A counter skipped: an operation lost.
	run -1 --separate-stderr kmchip counters 1 "${c[0]}" "${c[2]}"
	eq "$output" "replays	0
gaps	1"
	eq "$stderr" "kmchip: purse counter 3 missing: a lost operation (1 missing)"
}

@test "kmcard-sim-pcsc: a debit pulled between CLOSE and RATIFY is committed, not ratified" {
	personalised card.km "$UIDA"
	kmchip load keys 1 5000 >/dev/null
	# SELECT 1, OPEN 2, DEBIT 3, APPEND 4, CLOSE 5, RATIFY 6.
	cp card.km before.km
	km-pcscd insert -x 5 card.km
	run -4 --separate-stderr kmchip debit keys 1 340
	eq "$output" ""
	eq "$stderr" "kmchip: close secure session: the card in reader '$READER' gave no answer (taken out?)"
	cmp card.km before.km

	km-pcscd insert -x 6 card.km
	run -4 --separate-stderr kmchip debit keys 1 340
	eq "$output" ""
	eq "$stderr" "kmchip: ratify: the card in reader '$READER' gave no answer (taken out?)"
	km-pcscd insert card.km
	run -0 --separate-stderr kmchip state
	eq "${lines[2]}" "ratified	0"
	eq "${lines[3]}" "sessions	3"
	eq "${lines[4]}" "purse1	4660	2	100000"
	eq "$stderr" ""
	# The next validator's OPEN tells it: the last fare was paid.
	run -0 --separate-stderr kmchip debit keys 1 340
	eq "$stderr" ""
	IFS=$'\t' read -r bal ctr mac prev <<<"$output"
	eq "$bal $ctr $prev" "4320 3 0"
	run -0 --separate-stderr kmchip verify keys "$UIDA" 1 D 3 340 4320 "$mac"
	eq "$output" ""
	eq "$stderr" ""
	eq "$(field ratified)" 1
}

@test "kmcard-sim-pcsc: a session pulled at any step leaves the card exactly as it was" {
	personalised card.km "$UIDA"
	kmchip load keys 1 5000 >/dev/null
	steps=("select km application" "open secure session at level 1"
	    "update record 1 of file 09" "increase counter 1"
	    "append record to file 08" "purse debit" "close secure session"
	    "ratify")
	# Each round starts with the card in the reader, inserted normally.
	for n in 1 2 3 4 5 6 7 8 9; do
		echo "# step $n"	# shown if the test fails
		kmchip state > before.st
		cp card.km before.km
		km-pcscd insert -x "$n" card.km
		if [ "$n" -le 8 ]; then
			run -4 --separate-stderr kmchip session keys
			eq "$output" ""
			eq "$stderr" "kmchip: ${steps[n - 1]}: the card in reader '$READER' gave no answer (taken out?)"
		else
			# There is no step 9: the session runs whole.
			run -0 --separate-stderr kmchip session keys
			eq "$stderr" ""
			eq "$(cut -f4 <<<"$output")" 0
		fi
		km-pcscd insert card.km
		kmchip state > after.st
		if [ "$n" -le 7 ]; then
			# Not committed: nothing changed, on the card or in its
			# file.
			diff before.st after.st
			cmp card.km before.km
		else
			# Committed: ratified, sessions, purse 1, the 3 events
			# (one more, the others move down), contract 1 and the
			# counters changed.  At 8 RATIFY never came (ratified 1
			# to 0); at 9 it did (0, from step 8, to 1).
			eq "$(diff before.st after.st | grep -c '^>')" 8
			eq "$(field ratified)" $((n == 8 ? 0 : 1))
		fi
		# The next session opens normally (ratified as before).
		if [ "$n" -le 7 ]; then
			run -0 --separate-stderr kmchip session keys
			eq "$stderr" ""
			eq "$(cut -f4 <<<"$output")" 1
		fi
	done
	run -0 --separate-stderr kmchip state
	eq "${lines[3]}" "sessions	11"
	eq "${lines[4]}" "purse1	4910	10	100000"
}
