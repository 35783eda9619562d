#!/usr/bin/env bats
# kmcard-receive: binds the chip UIDs of cards back from the card bureau and
# moves them from ordered to personalised.
load helper

setup() { km_setup; }

# A test that fails while it holds the store's lock must not leave the
# locking process behind.
teardown() {
	cd "$BATS_TEST_TMPDIR" || return 0
	if [ -e locked ] && [ ! -e release ]; then
		unlock_store
	fi
}

USAGE='usage: kmcard-receive [-jkt] [-c config] [card uid ...]'

# eq ACTUAL EXPECTED: string equality that shows both on failure.
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}

# card NUMBER: state and chip UID as stored.
card() {
	sqlite3 km.db "SELECT state || ' ' || COALESCE(chip_uid, '-') FROM card
	    WHERE number = '$1'"
}

# Three ordered cards, in $A, $B and $C.
three() {
	A=$(resident)
	B=$(resident "$(pesel 600101 1111)" Ola Lis)
	C=$(resident "$(pesel 600101 2222)" Ala Kot)
}

# ------------------------------------------------------------------ operands

@test "kmcard-receive: a card and its chip as operands, human output" {
	three
	run -0 --separate-stderr kmcard-receive "$A" 04A1B2C3D4E5F6
	eq "$stderr" ""
	eq "$output" "number      $A
state       personalised
chip_uid    04A1B2C3D4E5F6"
	eq "$(card "$A")" "personalised 04A1B2C3D4E5F6"
	eq "$(card "$B")" "ordered -"
	eq "$(sqlite3 km.db "SELECT from_state, to_state, note, actor FROM card_event
	    WHERE card_id = (SELECT id FROM card WHERE number = '$A') ORDER BY id DESC LIMIT 1")" \
	    "ordered|personalised|received from the card bureau|$(id -un)"
	eq "$(sqlite3 km.db "SELECT action || ' ' || detail FROM audit WHERE subject = '$A' ORDER BY seq")" \
	    "card.order holder=1 type=resident services=23 expires=$(sqlite3 km.db "SELECT expires_at FROM card WHERE number = '$A'")
card.bind 04A1B2C3D4E5F6
card.personalise ordered -> personalised"
	run -0 --separate-stderr kmaudit-verify -t
}

@test "kmcard-receive: several pairs as operands, -t" {
	three
	run -0 --separate-stderr kmcard-receive -t "$A" 04A1B2C3D4E5F6 "$B" 04A1B2C3
	eq "$stderr" ""
	eq "$output" "$A	personalised	04A1B2C3D4E5F6
$B	personalised	04A1B2C3"
	eq "$(card "$C")" "ordered -"
}

@test "kmcard-receive: several pairs as operands, -j" {
	three
	run -0 --separate-stderr kmcard-receive -j "$A" 04A1B2C3D4E5F6 "$B" 04A1B2C3
	eq "$stderr" ""
	eq "$output" "{\"number\":\"$A\",\"state\":\"personalised\",\"chip_uid\":\"04A1B2C3D4E5F6\"}
{\"number\":\"$B\",\"state\":\"personalised\",\"chip_uid\":\"04A1B2C3\"}"
	for l in "${lines[@]}"; do
		jq -e . <<<"$l" >/dev/null
	done
}

@test "kmcard-receive: several pairs, human records apart" {
	three
	run -0 --separate-stderr kmcard-receive "$A" 04A1B2C3D4E5F6 "$B" 04A1B2C3
	eq "$stderr" ""
	eq "$output" "number      $A
state       personalised
chip_uid    04A1B2C3D4E5F6

number      $B
state       personalised
chip_uid    04A1B2C3"
}

@test "kmcard-receive: UIDs of 4, 7 and 10 bytes, any case, with ':' or ' '" {
	three
	run -0 --separate-stderr kmcard-receive -t "$A" "04 a1 b2 c3" \
	    "$B" 04:a1:b2:c3:d4:e5:f6 "$C" 0102030405060708090a
	eq "$stderr" ""
	eq "$output" "$A	personalised	04A1B2C3
$B	personalised	04A1B2C3D4E5F6
$C	personalised	0102030405060708090A"
}

# --------------------------------------------------------------------- stdin

@test "kmcard-receive: 'card uid' lines on stdin, blank and '#' lines skipped" {
	three
	printf '# from the bureau, box 1\n%s 04A1B2C3D4E5F6\n\n%s,04a1b2c3\n  %s;\t0102030405060708090A  \n' \
	    "$A" "$B" "$C" >box
	run -0 --separate-stderr kmcard-receive -t <box
	eq "$stderr" ""
	eq "$output" "$A	personalised	04A1B2C3D4E5F6
$B	personalised	04A1B2C3
$C	personalised	0102030405060708090A"
	d=$(resident "$(pesel 600101 3333)" Iza Bąk)
	run -0 --separate-stderr kmcard-receive -t <<<"$d	04A1B2C9"
	eq "$output" "$d	personalised	04A1B2C9"
	eq "$(sqlite3 km.db "SELECT count(*) FROM card WHERE state = 'personalised'")" 4
}

@test "kmcard-receive: a stdin line without a UID is refused with its line" {
	three
	before=$(dump)
	printf '%s 04A1B2C3D4E5F6\n%s\n' "$A" "$B" >box
	run -3 --separate-stderr kmcard-receive -t <box
	eq "$output" ""
	eq "$stderr" "kmcard-receive: <stdin>:2: not a card number and a chip uid
kmcard-receive: 1 of 2 cards refused: nothing changed"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: a bad line on stdin is named by its line number" {
	three
	before=$(dump)
	printf '# box 2\n\n%s 04A1B2C3D4E5F6\n%s zz\n' "$A" "$B" >box
	run -3 --separate-stderr kmcard-receive -t <box
	eq "$output" ""
	eq "$stderr" "kmcard-receive: <stdin>:4: chip uid: not 4, 7 or 10 bytes in hex
kmcard-receive: 1 of 2 cards refused: nothing changed"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: empty stdin receives nothing and exits 0" {
	before=$(dump)
	run -0 --separate-stderr kmcard-receive -t </dev/null
	eq "$output" ""
	eq "$stderr" ""
	eq "$(dump)" "$before"
}

# ------------------------------------------------------------------- refusals

@test "kmcard-receive: an odd number of operands is a usage error" {
	three
	before=$(dump)
	run -2 --separate-stderr kmcard-receive "$A"
	eq "$output" ""
	eq "$stderr" "$USAGE"
	run -2 --separate-stderr kmcard-receive "$A" 04A1B2C3 "$B"
	eq "$output" ""
	eq "$stderr" "$USAGE"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: a chip already bound to another card is refused" {
	three
	kmcard-receive "$A" 04A1B2C3D4E5F6 >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmcard-receive "$B" 04:a1:b2:c3:d4:e5:f6
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: chip '04A1B2C3D4E5F6' is already bound to card '$A'
kmcard-receive: 1 of 1 cards refused: nothing changed"
	eq "$(dump)" "$before"
	eq "$(card "$B")" "ordered -"
}

@test "kmcard-receive: one chip for two cards in one batch: nothing changed" {
	three
	before=$(dump)
	run -3 --separate-stderr kmcard-receive -t "$A" 04A1B2C3 "$B" 04a1b2c3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 3: chip '04A1B2C3' is already bound to card '$A'
kmcard-receive: 1 of 2 cards refused: nothing changed"
	eq "$(dump)" "$before"
	eq "$(card "$A")" "ordered -"
}

@test "kmcard-receive: a card not in state ordered is refused" {
	three
	kmcard-receive "$A" 04A1B2C3 >/dev/null
	before=$(dump)
	# Received already, with the same chip.
	run -3 --separate-stderr kmcard-receive "$A" 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: card '$A' is personalised: it cannot be personalised
kmcard-receive: 1 of 1 cards refused: nothing changed"
	eq "$(dump)" "$before"
	# ... or with another chip.
	run -3 --separate-stderr kmcard-receive "$A" 04A1B2C4
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: card '$A' is already bound to chip '04A1B2C3'
kmcard-receive: 1 of 1 cards refused: nothing changed"
	eq "$(dump)" "$before"
	# Revoked before it came back: no chip is bound to it.
	kmcard-revoke -r "moved away" "$B" >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmcard-receive "$B" 04A1B2C5
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: card '$B' is revoked: it cannot be personalised
kmcard-receive: 1 of 1 cards refused: nothing changed"
	eq "$(dump)" "$before"
	eq "$(card "$B")" "revoked -"
}

@test "kmcard-receive: an active card is refused" {
	n=$(active)
	before=$(dump)
	uid=$(sqlite3 km.db "SELECT chip_uid FROM card WHERE number = '$n'")
	run -3 --separate-stderr kmcard-receive "$n" "$uid"
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: card '$n' is active: it cannot be personalised
kmcard-receive: 1 of 1 cards refused: nothing changed"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: a UID of a bad form is refused, nothing changed" {
	three
	before=$(dump)
	for u in zz 04A1B2 04A1B2C3D4 04A1B2C3D4E5F6A7 04G1B2C3 0102030405060708090A0B ""; do
		run -3 --separate-stderr kmcard-receive "$A" "$u"
		eq "$output" ""
		eq "${#stderr_lines[@]}" 2
		# (which argument it names: see the test below)
		[[ "${stderr_lines[0]}" =~ ^"kmcard-receive: argument "[12]": chip uid: not 4, 7 or 10 bytes in hex"$ ]]
		eq "${stderr_lines[1]}" "kmcard-receive: 1 of 1 cards refused: nothing changed"
		eq "$(dump)" "$before"
	done
}

@test "kmcard-receive: a bad UID is named by its own argument" {
	three
	before=$(dump)
	run -3 --separate-stderr kmcard-receive "$A" 04A1B2C3 "$B" zz
	eq "$output" ""
	eq "${stderr_lines[0]}" "kmcard-receive: argument 4: chip uid: not 4, 7 or 10 bytes in hex"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: a card number of a bad form is refused" {
	three
	before=$(dump)
	run -3 --separate-stderr kmcard-receive 9001001000000017 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: card number '9001001000000017': bad check digit
kmcard-receive: 1 of 1 cards refused: nothing changed"
	run -3 --separate-stderr kmcard-receive 900100100000001 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: card number '900100100000001': not 16 digits
kmcard-receive: 1 of 1 cards refused: nothing changed"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: an unknown card is exit 1, nothing changed" {
	three
	before=$(dump)
	run -1 --separate-stderr kmcard-receive 9001001000000099 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: no card '9001001000000099'
kmcard-receive: 1 of 1 cards refused: nothing changed"
	eq "$(dump)" "$before"
	# With a good pair before it, that is not received either.
	run -1 --separate-stderr kmcard-receive "$A" 04A1B2C3 9001001000000099 04A1B2C4
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 3: no card '9001001000000099'
kmcard-receive: 1 of 2 cards refused: nothing changed"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: the worst fault decides the exit status" {
	three
	before=$(dump)
	run -3 --separate-stderr kmcard-receive 9001001000000099 04A1B2C3 \
	    9001001000000017 04A1B2C4
	eq "$output" ""
	eq "$stderr" "kmcard-receive: argument 1: no card '9001001000000099'
kmcard-receive: argument 3: card number '9001001000000017': bad check digit
kmcard-receive: 2 of 2 cards refused: nothing changed"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: -k keeps the good pairs and still exits non-zero" {
	three
	run -3 --separate-stderr kmcard-receive -kt "$A" 04A1B2C3 "$B" 04a1b2c3 \
	    "$C" 04A1B2C4
	eq "$output" "$A	personalised	04A1B2C3
$C	personalised	04A1B2C4"
	eq "$stderr" "kmcard-receive: argument 3: chip '04A1B2C3' is already bound to card '$A'
kmcard-receive: 1 of 3 cards refused, 2 received"
	eq "$(card "$A")" "personalised 04A1B2C3"
	eq "$(card "$B")" "ordered -"
	eq "$(card "$C")" "personalised 04A1B2C4"
	run -0 --separate-stderr kmaudit-verify -t
}

@test "kmcard-receive: -k with only unknown cards refused exits 1" {
	three
	printf '%s 04A1B2C3\n9001001000000099 04A1B2C4\n' "$A" >box
	run -1 --separate-stderr kmcard-receive -kj <box
	eq "$output" "{\"number\":\"$A\",\"state\":\"personalised\",\"chip_uid\":\"04A1B2C3\"}"
	jq -e . <<<"$output" >/dev/null
	eq "$stderr" "kmcard-receive: <stdin>:2: no card '9001001000000099'
kmcard-receive: 1 of 2 cards refused, 1 received"
	eq "$(card "$A")" "personalised 04A1B2C3"
}

# ------------------------------------------------------------ the environment

@test "kmcard-receive: a user without clerk or admin is refused, nothing changed" {
	three
	km_config helpdesk device
	before=$(dump)
	run -3 --separate-stderr kmcard-receive "$A" 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: permission denied for user '$(id -un)': needs the role clerk or admin (roles in km.yaml(5))"
	eq "$(dump)" "$before"
	km_config admin
	run -0 --separate-stderr kmcard-receive -t "$A" 04A1B2C3
	eq "$stderr" ""
}

@test "kmcard-receive: a store locked by another writer is exit 4, nothing changed" {
	three
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-receive "$A" 04A1B2C3
	unlock_store
	eq "$output" ""
	eq "$stderr" "kmcard-receive: store '$PWD/km.db' is busy: another program is writing to it"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: a missing store is exit 3, naming kmdb-init" {
	rm -f km.db km.db-wal km.db-shm
	run -3 --separate-stderr kmcard-receive 9001001000000016 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)"
	[ ! -e km.db ]
}

@test "kmcard-receive: a store that cannot be opened is exit 5" {
	rm -f km.db km.db-wal km.db-shm
	mkdir km.db
	run -5 --separate-stderr kmcard-receive 9001001000000016 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: cannot open store '$PWD/km.db': unable to open database file"
}

@test "kmcard-receive: a config with an unknown key is exit 3, file:line:col" {
	three
	KM_EXTRA=$'cards:\n  iin: "900100"\n  service: eticket' km_config
	line=$(grep -n '^  service:' km.yaml | cut -d: -f1)
	before=$(dump)
	run -3 --separate-stderr kmcard-receive "$A" 04A1B2C3
	eq "$output" ""
	eq "$stderr" "kmcard-receive: $PWD/km.yaml:$line:3: unknown key 'cards.service'"
	eq "$(dump)" "$before"
}

@test "kmcard-receive: -c names the config" {
	three
	unset KM_CONFIG
	run -0 --separate-stderr kmcard-receive -t -c km.yaml "$A" 04A1B2C3
	eq "$stderr" ""
	eq "$output" "$A	personalised	04A1B2C3"
}

# -------------------------------------------------------------------- options

@test "kmcard-receive: -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr kmcard-receive -h
	eq "$output" "$USAGE"
	eq "$stderr" ""
}

@test "kmcard-receive: -V prints the version" {
	run -0 --separate-stderr kmcard-receive -V
	eq "$output" "kmcard-receive (km) 0.1.0"
	eq "$stderr" ""
}

@test "kmcard-receive: an unknown option is a usage error" {
	three
	before=$(dump)
	run -2 --separate-stderr kmcard-receive -x "$A" 04A1B2C3
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	eq "${stderr_lines[0]}" "kmcard-receive: invalid option -- 'x'"
	eq "${stderr_lines[1]}" "$USAGE"
	eq "$(dump)" "$before"
}
