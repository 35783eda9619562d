# lifecycle.bash -- the cases that kmcard-activate, -suspend, -resume,
# -block and -revoke share (one main, cli/life.c), written once.  Each of
# their bats files loads it after helper and sets at its top:
#
#	PROG		the program, e.g. kmcard-block
#	FROM		the state a card must start in to be moved, e.g. active
#	TO		the state it moves a card to, e.g. blocked
#	PARTICIPLE	as in "it cannot be blocked"
#	REASON		the reason it is given, or empty
#	ROPT		the options that give it: (-r "$REASON"), or ()
#	HOT		1 if the moved card is on the hotlist, 0 if not
#	OTHER		a state it refuses, for the list cases
#	USAGE		its usage line
#	ROLES		the roles it needs, as its refusal names them
#
# A case is a function that a @test calls; it asserts with [ ] under the
# errexit of bats, like a @test body.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit

# tsv NUMBER: the -t line of card NUMBER once moved.
tsv() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$TO" "$REASON" "$HOT"
}

# human NUMBER: the human record of card NUMBER once moved.
human() {
	if [ "$HOT" = 1 ]; then
		rec "$1" "$TO" "$REASON" yes
	else
		rec "$1" "$TO" "$REASON" no
	fi
}

# json NUMBER: the -j object of card NUMBER once moved.
json() {
	local reason=null hot=false
	if [ -n "$REASON" ]; then reason="\"$REASON\""; fi
	if [ "$HOT" = 1 ]; then hot=true; fi
	printf '{"number":"%s","state":"%s","reason":%s,"hotlisted":%s}\n' \
	    "$1" "$TO" "$reason" "$hot"
}

# listed_alone NUMBER SOURCE REASON: card NUMBER is the one entry of the
# hotlist, put there by SOURCE for REASON.
listed_alone() {
	run -0 --separate-stderr kmblacklist -l -t
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "$(printf '%s\t%s\t%s\t' "$1" "$2" "$3")"* ]]
	[ -z "$stderr" ]
}

# The transition table.

# refused_from STATE: the card in STATE is refused, nothing changes.
refused_from() {
	local st=$1 n before
	n=$(in_state "$st")
	before=$(dump)
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" "$n"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: argument 1: card '$n' is $st: it cannot be $PARTICIPLE
$PROG: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = "$st" ]
}

# allowed_from STATE: the card in STATE moves to TO.
allowed_from() {
	local n
	n=$(in_state "$1")
	run -0 --separate-stderr "$PROG" -t "${ROPT[@]}" "$n"
	[ "$output" = "$(tsv "$n")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = "$TO" ]
}

# Output.

# moves_human: a card in FROM moves to TO, the record in human output.
moves_human() {
	local n
	n=$(in_state "$FROM")
	run -0 --separate-stderr "$PROG" "${ROPT[@]}" "$n"
	[ "$output" = "$(human "$n")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = "$TO" ]
}

# moves_tsv: -t prints number, state, reason, hotlisted.
moves_tsv() {
	local n
	n=$(in_state "$FROM")
	run -0 --separate-stderr "$PROG" -t "${ROPT[@]}" "$n"
	[ "$output" = "$(tsv "$n")" ]
	[ -z "$stderr" ]
}

# moves_json: -j prints one JSON object a card.
moves_json() {
	local n
	n=$(in_state "$FROM")
	run -0 --separate-stderr "$PROG" -j "${ROPT[@]}" "$n"
	[ "$output" = "$(json "$n")" ]
	[ -z "$stderr" ]
	all_json
}

# note_recorded: -n note is in the card's history, with the move.
note_recorded() {
	local n
	n=$(in_state "$FROM")
	run -0 --separate-stderr "$PROG" -t -n "call of 3 May" "${ROPT[@]}" "$n"
	[ "$output" = "$(tsv "$n")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.from_state, e.to_state, e.note FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "${PROG#kmcard-}|$FROM|$TO|call of 3 May" ]
}

# Several cards.

# several_operands: three cards as operands all move.
several_operands() {
	local a b c
	a=$(in_state "$FROM" "$(p 1)")
	b=$(in_state "$FROM" "$(p 2)")
	c=$(in_state "$FROM" "$(p 3)")
	run -0 --separate-stderr "$PROG" "${ROPT[@]}" "$a" "$b" "$c"
	[ "$output" = "$(human "$a"; echo; human "$b"; echo; human "$c")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = "$TO/$TO/$TO" ]
}

# several_on_stdin: two cards on stdin move, blank lines and comments
# ignored.
several_on_stdin() {
	local a b
	a=$(in_state "$FROM" "$(p 1)")
	b=$(in_state "$FROM" "$(p 2)")
	printf '# from the helpdesk\n%s\n\n   \n  %s  \n# end\n' "$a" "$b" > list
	run -0 --separate-stderr "$PROG" -j "${ROPT[@]}" < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$(json "$a")" ]
	[ "${lines[1]}" = "$(json "$b")" ]
	all_json
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")" = "$TO/$TO" ]
}

# one_refused_in_list: a card in OTHER amid two in FROM: nothing changes.
one_refused_in_list() {
	local a b c before
	a=$(in_state "$FROM" "$(p 1)")
	b=$(in_state "$OTHER" "$(p 2)")
	c=$(in_state "$FROM" "$(p 3)")
	before=$(dump)
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: argument 2: card '$b' is $OTHER: it cannot be $PARTICIPLE
$PROG: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# keeps_good_cards: the same list with -k: the two in FROM move.
keeps_good_cards() {
	local a b c
	a=$(in_state "$FROM" "$(p 1)")
	b=$(in_state "$OTHER" "$(p 2)")
	c=$(in_state "$FROM" "$(p 3)")
	run -3 --separate-stderr "$PROG" -k -t "${ROPT[@]}" "$a" "$b" "$c"
	[ "$output" = "$(tsv "$a"; tsv "$c")" ]
	[ "$stderr" = "$PROG: argument 2: card '$b' is $OTHER: it cannot be $PARTICIPLE
$PROG: 1 of 3 cards refused, 2 changed" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = "$TO/$OTHER/$TO" ]
}

# same_card_twice: a card named twice is refused the second time, so
# nothing changes.
same_card_twice() {
	local a before
	a=$(in_state "$FROM")
	before=$(dump)
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" "$a" "$a"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: argument 2: card '$a' is $TO: it cannot be $PARTICIPLE
$PROG: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# Bad and unknown cards.

# bad_luhn_on_stdin: a bad check digit on stdin names its line.
bad_luhn_on_stdin() {
	local a before
	a=$(in_state "$FROM" "$(p 1)")
	printf '%s\n# next\n\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" < list
	[ -z "$output" ]
	[ "$stderr" = "$PROG: <stdin>:4: card number '$BADLUHN': bad check digit
$PROG: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# not_16_digits NUMBER: NUMBER, not 16 digits, is bad data.
not_16_digits() {
	local a before
	a=$(in_state "$FROM" "$(p 1)")
	before=$(dump)
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" "$a" "$1"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: argument 2: card number '$1': not 16 digits
$PROG: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# unknown_card: a card never issued is not found (exit 1).
unknown_card() {
	local a before
	a=$(in_state "$FROM" "$(p 1)")
	before=$(dump)
	run -1 --separate-stderr "$PROG" "${ROPT[@]}" "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: argument 2: no card '$UNKNOWN'
$PROG: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# unknown_on_stdin: an unknown card on stdin names its line.
unknown_on_stdin() {
	local before
	printf '\n%s\n' "$UNKNOWN" > list
	before=$(dump)
	run -1 --separate-stderr "$PROG" "${ROPT[@]}" < list
	[ -z "$output" ]
	[ "$stderr" = "$PROG: <stdin>:2: no card '$UNKNOWN'
$PROG: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# bad_outranks_unknown: with an unknown and a bad card, exit 3, not 1.
bad_outranks_unknown() {
	local before
	before=$(dump)
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" "$UNKNOWN" "$BADLUHN"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: argument 1: no card '$UNKNOWN'
$PROG: argument 2: card number '$BADLUHN': bad check digit
$PROG: 2 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# Usage.

# prints_usage: -h prints USAGE on stdout.
prints_usage() {
	run -0 --separate-stderr "$PROG" -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

# prints_version: -V prints the version.
prints_version() {
	run -0 --separate-stderr "$PROG" -V
	[ "$output" = "$PROG (km) 0.1.0" ]
	[ -z "$stderr" ]
}

# unknown_option: -x is a usage error, nothing changes.
unknown_option() {
	local n before
	n=$(in_state "$FROM")
	before=$(dump)
	run -2 --separate-stderr "$PROG" -x "${ROPT[@]}" "$n"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "$PROG: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "$USAGE" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "$(dump)" = "$before" ]
}

# Roles.

# role_may ROLE: a user with ROLE alone moves a card; leaves its number
# in n.
role_may() {
	n=$(in_state "$FROM")
	km_config "$1"
	run -0 --separate-stderr "$PROG" -t "${ROPT[@]}" "$n"
	[ "$output" = "$(tsv "$n")" ]
	[ -z "$stderr" ]
}

# helpdesk_may: helpdesk alone moves a card.
helpdesk_may() {
	role_may helpdesk
	[ "$(state_of "$n")" = "$TO" ]
}

# role_refused ROLE ...: a user with the ROLEs named but none of ROLES is
# refused, nothing changes.
role_refused() {
	local n before
	n=$(in_state "$FROM")
	km_config "$@"
	before=$(dump)
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" "$n"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: permission denied for user '$(id -un)': needs the role $ROLES (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

# The store and the system.

# store_busy: a store locked by another writer is temporary (exit 4).
store_busy() {
	local n before
	n=$(in_state "$FROM")
	before=$(dump)
	lock_store
	run -4 --separate-stderr "$PROG" "${ROPT[@]}" "$n"
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "$PROG: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

# store_missing: a missing store is a config error (exit 3).
store_missing() {
	rm km.db
	run -3 --separate-stderr "$PROG" "${ROPT[@]}" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

# stdin_fails: a failing read of stdin is a system error (exit 5).
stdin_fails() {
	local before
	before=$(dump)
	run -5 --separate-stderr "$PROG" "${ROPT[@]}" < .
	[ -z "$output" ]
	[ "$stderr" = "$PROG: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

# stdout_fails: a failing write to stdout is a system error (exit 5).
stdout_fails() {
	local n
	n=$(in_state "$FROM")
	run -5 --separate-stderr sh -c '"$@" >/dev/full' sh "$PROG" "${ROPT[@]}" "$n"
	[ -z "$output" ]
	[ "$stderr" = "$PROG: write to stdout: No space left on device" ]
}
