#!/usr/bin/env bats
# kmcard-status: the helpdesk's view of a card, found by number, chip UID,
# PESEL, NIP or name; with its holder and history.
load helper

# The tests named "kmcard-status -C: ..." read a virtual card through the
# real PC/SC stack, which their setup starts and their teardown stops.
setup() {
	km_setup
	case $BATS_TEST_DESCRIPTION in
	"kmcard-status -C: "*) stack_start ;;
	esac
}

# A test that fails while it holds the store's lock must not leave the
# locking process behind, nor one with a card in the reader its pcscd.
teardown() {
	cd "$BATS_TEST_TMPDIR" || return 0
	if [ -e locked ] && [ ! -e release ]; then
		unlock_store
	fi
	stack_stop
}

USAGE='usage: kmcard-status [-jt] [-c config] [key ...]
       kmcard-status [-jt] [-c config] -s state
       kmcard-status [-jt] [-c config] [-r reader] -C'

# eq ACTUAL EXPECTED: string equality that shows both on failure.
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}

# col COLUMN NUMBER: a column of the card as stored.
col() {
	sqlite3 km.db "SELECT $1 FROM card WHERE number = '$2'"
}

# warsaw ISO: that time as people in Warsaw read it.
warsaw() {
	TZ=Europe/Warsaw date -d "$1" '+%Y-%m-%d %H:%M'
}

# at NUMBER N: when the card's Nth event (from 1) happened, as stored.
at() {
	sqlite3 km.db "SELECT at FROM card_event WHERE card_id = (SELECT id
	    FROM card WHERE number = '$1') ORDER BY id LIMIT 1 OFFSET $(($2 - 1))"
}

# uid NUMBER: the chip UID the helper active() binds to the card.
uid() {
	printf '04%012X' "$((10#${1:7:8}))"
}

# summary: what the -j record on stdin says of state and history.
summary() {
	jq -c '[.state, .reason, .hotlisted,
	    [.history[] | [.from, .to, .reason, .note]]]'
}

# ------------------------------------------------------------ the three forms

@test "kmcard-status: a resident's card, human output, with its history" {
	n=$(resident)
	run -0 --separate-stderr kmcard-status "$n"
	eq "$stderr" ""
	ord=$(warsaw "$(col ordered_at "$n")")
	eq "$output" "number      $n
type        resident
state       ordered
holder      Jan Kowalski
holder_id   1
pesel       44051401359
street      ul. Długa 5
postcode    00-950
city        Warszawa
email       jan@example.pl
phone       600100200
services    identification, eticket, payments, benefits
ordered     $ord
since       $ord
expires     $(warsaw "$(col expires_at "$n")")
hotlisted   no
history
  $(warsaw "$(at "$n" 1)")  ordered  $(id -un)  application"
}

@test "kmcard-status: a resident's card, -t" {
	n=$(resident)
	run -0 --separate-stderr kmcard-status -t "$n"
	eq "$stderr" ""
	ord=$(col ordered_at "$n")
	eq "$output" "$n	resident	ordered		Jan Kowalski	1				44051401359	ul. Długa 5	00-950	Warszawa	jan@example.pl	600100200	identification,eticket,payments,benefits		$ord	$ord	$(col expires_at "$n")			0"
}

@test "kmcard-status: a resident's card, -j" {
	n=$(resident)
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	ord=$(col ordered_at "$n")
	eq "$output" "{\"number\":\"$n\",\"type\":\"resident\",\"state\":\"ordered\",\"reason\":null,\"holder\":\"Jan Kowalski\",\"holder_id\":1,\"company\":null,\"nip\":null,\"regon\":null,\"pesel\":\"44051401359\",\"street\":\"ul. Długa 5\",\"postcode\":\"00-950\",\"city\":\"Warszawa\",\"email\":\"jan@example.pl\",\"phone\":\"600100200\",\"services\":[\"identification\",\"eticket\",\"payments\",\"benefits\"],\"chip_uid\":null,\"ordered\":\"$ord\",\"since\":\"$ord\",\"expires\":\"$(col expires_at "$n")\",\"replaces\":null,\"replaced_by\":null,\"hotlisted\":false,\"history\":[{\"at\":\"$(at "$n" 1)\",\"from\":null,\"to\":\"ordered\",\"reason\":null,\"by\":\"$(id -un)\",\"note\":\"application\"}],\"certificates\":[]}"
	jq -e . <<<"$output" >/dev/null
}

@test "kmcard-status: an entrepreneur's card, human output" {
	n=$(entrepreneur)
	run -0 --separate-stderr kmcard-status "$n"
	eq "$stderr" ""
	ord=$(warsaw "$(col ordered_at "$n")")
	eq "$output" "number      $n
type        entrepreneur
state       ordered
holder      Anna Nowak
holder_id   1
company     Łódź Sp. z o.o.
nip         8567346215
regon       192598184
pesel       02211307589
street      Piotrkowska 1
postcode    90-001
city        Łódź
services    identification, payments, esignature
ordered     $ord
since       $ord
expires     $(warsaw "$(col expires_at "$n")")
hotlisted   no
history
  $(warsaw "$(at "$n" 1)")  ordered  $(id -un)  application"
}

@test "kmcard-status: an entrepreneur's card, -t and -j" {
	n=$(entrepreneur)
	ord=$(col ordered_at "$n")
	run -0 --separate-stderr kmcard-status -t "$n"
	eq "$stderr" ""
	eq "$output" "$n	entrepreneur	ordered		Anna Nowak	1	Łódź Sp. z o.o.	8567346215	192598184	02211307589	Piotrkowska 1	90-001	Łódź			identification,payments,esignature		$ord	$ord	$(col expires_at "$n")			0"
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -c '[.company, .nip, .regon, .email, .phone, .services]' <<<"$output")" \
	    '["Łódź Sp. z o.o.","8567346215","192598184",null,null,["identification","payments","esignature"]]'
}

@test "kmcard-status: several cards: human records apart, one line each in -t and -j" {
	n=$(resident)
	m=$(resident "$(pesel 600101 1111)" Ola Kowalska)
	run -0 --separate-stderr kmcard-status kowal
	eq "$stderr" ""
	eq "$(grep -c '^number ' <<<"$output")" 2
	eq "$(grep -c '^$' <<<"$output")" 1
	[[ "$output" == "number      $n"$'\n'*$'\n\n'"number      $m"$'\n'* ]]
	run -0 --separate-stderr kmcard-status -t kowal
	eq "$(cut -f1 <<<"$output")" "$n
$m"
	run -0 --separate-stderr kmcard-status -j kowal
	eq "${#lines[@]}" 2
	for l in "${lines[@]}"; do
		jq -e . <<<"$l" >/dev/null
	done
	eq "$(jq -r .number <<<"${lines[1]}")" "$m"
}

# -------------------------------------------------------------- finding cards

@test "kmcard-status: finds a card by its number, also with card:" {
	n=$(resident)
	entrepreneur >/dev/null
	for k in "$n" "card:$n"; do
		run -0 --separate-stderr kmcard-status -t "$k"
		eq "$stderr" ""
		eq "$(cut -f1 <<<"$output")" "$n"
	done
}

@test "kmcard-status: finds a card by its chip UID once received" {
	n=$(resident)
	entrepreneur >/dev/null
	kmcard-receive "$n" 04a1b2c3d4e5f6 >/dev/null
	for k in 04A1B2C3D4E5F6 04a1b2c3d4e5f6 uid:04A1B2C3D4E5F6 \
	    uid:04:a1:b2:c3:d4:e5:f6; do
		run -0 --separate-stderr kmcard-status -t "$k"
		eq "$stderr" ""
		eq "$(cut -f1,3,17 <<<"$output")" "$n	personalised	04A1B2C3D4E5F6"
	done
}

@test "kmcard-status: finds cards by PESEL, also with pesel:" {
	n=$(resident)
	e=$(entrepreneur)
	for k in 44051401359 pesel:44051401359; do
		run -0 --separate-stderr kmcard-status -t "$k"
		eq "$stderr" ""
		eq "$output" "$(kmcard-status -t "$n")"
	done
	# The representative's PESEL finds the Entrepreneur Card; with a
	# Resident Card of their own, both, holder by holder.
	r=$(resident 02211307589 Anna Nowak)
	run -0 --separate-stderr kmcard-status -t 02211307589
	eq "$(cut -f1 <<<"$output")" "$e
$r"
}

@test "kmcard-status: finds a card by NIP, bare, with dashes, PL or nip:" {
	resident >/dev/null
	e=$(entrepreneur)
	for k in 8567346215 856-734-62-15 PL8567346215 nip:8567346215 \
	    "nip:856 734 62 15"; do
		run -0 --separate-stderr kmcard-status -t "$k"
		eq "$stderr" ""
		eq "$(cut -f1 <<<"$output")" "$e"
	done
}

@test "kmcard-status: finds by name prefix, in any case, without diacritics" {
	n=$(resident)
	e=$(entrepreneur)
	# surname, surname and first name, first name and surname
	for k in kow KOWAL Kowalski "kowalski j" "jan k" name:kow; do
		run -0 --separate-stderr kmcard-status -t "$k"
		eq "$stderr" ""
		eq "$(cut -f1 <<<"$output")" "$n"
	done
	# the company "Łódź Sp. z o.o."
	for k in lodz ŁÓDŹ łódź LODZ "lodz sp" name:lodz; do
		run -0 --separate-stderr kmcard-status -t "$k"
		eq "$stderr" ""
		eq "$(cut -f1 <<<"$output")" "$e"
	done
	# Not a prefix: no match.
	run -1 --separate-stderr kmcard-status -t owalski
	eq "$output" ""
}

@test "kmcard-status: LIKE's own characters in a name are taken literally" {
	resident >/dev/null
	run -1 --separate-stderr kmcard-status -t 'k%'
	eq "$output" ""
	eq "$stderr" "kmcard-status: argument 1: no card found"
	run -1 --separate-stderr kmcard-status -t 'k_walski'
	eq "$output" ""
}

@test "kmcard-status: keys from stdin, one a line, comments and blank lines skipped" {
	n=$(resident)
	e=$(entrepreneur)
	printf '# the cards of the day\n%s\n\n  lodz  \n' "$n" >keys
	run -0 --separate-stderr kmcard-status -t <keys
	eq "$stderr" ""
	eq "$(cut -f1 <<<"$output")" "$n
$e"
	printf '%s\nnobody\n# x\n44051401350\n' "$n" >keys
	run -1 --separate-stderr kmcard-status -t <keys
	eq "$(cut -f1 <<<"$output")" "$n"
	eq "$stderr" "kmcard-status: <stdin>:2: no card found
kmcard-status: <stdin>:4: no card found"
	[[ "$stderr" != *44051401350* ]]
}

@test "kmcard-status: an unknown key is exit 1, and the message does not echo a PESEL" {
	n=$(resident)
	p=$(pesel 800101 1111)
	run -1 --separate-stderr kmcard-status "$p"
	eq "$output" ""
	eq "$stderr" "kmcard-status: argument 1: no card found"
	[[ "$stderr" != *"$p"* ]]
	run -1 --separate-stderr kmcard-status -t "pesel:$p" "$n" nobody
	eq "$(cut -f1 <<<"$output")" "$n"
	eq "$stderr" "kmcard-status: argument 1: no card found
kmcard-status: argument 3: no card found"
	[[ "$stderr" != *"$p"* ]]
	run -1 --separate-stderr kmcard-status -j 9001001000000024
	eq "$output" ""
	eq "$stderr" "kmcard-status: argument 1: no card found"
}

@test "kmcard-status: a key of a bad form is exit 3" {
	n=$(resident)
	run -3 --separate-stderr kmcard-status -t nip:123
	eq "$output" ""
	eq "$stderr" "kmcard-status: argument 1: nip: must be 10 digits"
	run -3 --separate-stderr kmcard-status -t nip:8567346216
	eq "$stderr" "kmcard-status: argument 1: nip: bad check digit"
	run -3 --separate-stderr kmcard-status -t uid:04zz
	eq "$output" ""
	eq "$stderr" "kmcard-status: argument 1: chip uid: not 4, 7 or 10 bytes in hex"
	run -3 --separate-stderr kmcard-status -t pesel:
	eq "$output" ""
	eq "$stderr" "kmcard-status: argument 1: empty search key"
	# The worst fault decides, and the good keys are still shown.
	run -3 --separate-stderr kmcard-status -t nobody nip:123 "$n"
	eq "$(cut -f1 <<<"$output")" "$n"
	eq "$stderr" "kmcard-status: argument 1: no card found
kmcard-status: argument 2: nip: must be 10 digits"
}

# ------------------------------------------------------------------------ -s

@test "kmcard-status: -s lists the cards in a state" {
	n=$(resident)
	a=$(active "$(pesel 600101 1111)")
	e=$(entrepreneur)
	run -0 --separate-stderr kmcard-status -t -s ordered
	eq "$stderr" ""
	eq "$(cut -f1,3 <<<"$output")" "$n	ordered
$e	ordered"
	run -0 --separate-stderr kmcard-status -t -s active
	eq "$(cut -f1,3 <<<"$output")" "$a	active"
	run -0 --separate-stderr kmcard-status -j -s active
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -r .number <<<"$output")" "$a"
	run -0 --separate-stderr kmcard-status -s suspended
	eq "$output" ""
	eq "$stderr" ""
}

@test "kmcard-status: -s lost lists the cards blocked as lost" {
	a=$(active)
	b=$(active "$(pesel 600101 1111)")
	resident "$(pesel 600101 2222)" Ola Lis >/dev/null
	kmcard-block -r lost "$a" >/dev/null
	kmcard-block -r stolen "$b" >/dev/null
	run -0 --separate-stderr kmcard-status -t -s lost
	eq "$stderr" ""
	eq "$(cut -f1,3,4 <<<"$output")" "$a	blocked	lost"
	run -0 --separate-stderr kmcard-status -t -s blocked
	eq "$(cut -f1,4 <<<"$output")" "$a	lost
$b	stolen"
	run -0 --separate-stderr kmcard-status -t -s damaged
	eq "$output" ""
}

@test "kmcard-status: -s with an unknown state is exit 3" {
	run -3 --separate-stderr kmcard-status -s lsot
	eq "$output" ""
	eq "$stderr" "kmcard-status: unknown state 'lsot'"
}

@test "kmcard-status: -s and keys together is a usage error" {
	n=$(resident)
	run -2 --separate-stderr kmcard-status -s ordered "$n"
	eq "$output" ""
	eq "$stderr" "$USAGE"
}

# -------------------------------------------------------------------- masking

@test "kmcard-status: the helpdesk sees PESEL, street and phone masked" {
	n=$(resident)
	km_config helpdesk
	run -0 --separate-stderr kmcard-status "$n"
	eq "$stderr" ""
	eq "$(grep -E '^(pesel|street|phone) ' <<<"$output")" "pesel       *******1359
street      ***
phone       ******200"
	[[ "$output" != *44051401359* && "$output" != *Długa* && "$output" != *600100200* ]]
	run -0 --separate-stderr kmcard-status -t "$n"
	eq "$(cut -f10,11,15 <<<"$output")" "*******1359	***	******200"
	[[ "$output" != *44051401359* && "$output" != *Długa* && "$output" != *600100200* ]]
	run -0 --separate-stderr kmcard-status -j "$n"
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -c '[.pesel, .street, .phone, .postcode, .city, .email]' <<<"$output")" \
	    '["*******1359","***","******200","00-950","Warszawa","j***@example.pl"]'
	[[ "$output" != *44051401359* && "$output" != *Długa* && "$output" != *600100200* ]]
	[[ "$output" != *jan@example.pl* ]]
}

@test "kmcard-status: the helpdesk may still search by PESEL, and sees it masked" {
	e=$(entrepreneur)
	km_config helpdesk
	run -0 --separate-stderr kmcard-status -j 02211307589
	eq "$stderr" ""
	eq "$(jq -c '[.number, .pesel]' <<<"$output")" "[\"$e\",\"*******7589\"]"
	[[ "$output" != *02211307589* ]]
}

@test "kmcard-status: a clerk and an admin see PESEL, street and phone unmasked" {
	n=$(resident)
	for role in clerk admin; do
		km_config "$role"
		run -0 --separate-stderr kmcard-status -t "$n"
		eq "$stderr" ""
		eq "$(cut -f10,11,15 <<<"$output")" "44051401359	ul. Długa 5	600100200"
	done
	# Helpdesk and clerk together: the clerk's view.
	km_config helpdesk clerk
	run -0 --separate-stderr kmcard-status -t "$n"
	eq "$(cut -f10,11,15 <<<"$output")" "44051401359	ul. Długa 5	600100200"
}

@test "kmcard-status: an auditor may look, masked" {
	n=$(resident)
	km_config auditor
	run -0 --separate-stderr kmcard-status -t "$n"
	eq "$stderr" ""
	eq "$(cut -f10,11,15 <<<"$output")" "*******1359	***	******200"
}

@test "kmcard-status: a user without a role that may look is refused" {
	n=$(resident)
	km_config cron device
	run -3 --separate-stderr kmcard-status "$n"
	eq "$output" ""
	eq "$stderr" "kmcard-status: permission denied for user '$(id -un)': needs the role clerk or helpdesk or admin or auditor (roles in km.yaml(5))"
}

# ------------------------------------------------------- a card in each state

@test "kmcard-status -j: an ordered card" {
	n=$(resident)
	run -0 --separate-stderr kmcard-status -j "$n"
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["ordered",null,false,[[null,"ordered",null,"application"]]]'
	eq "$(jq -c '[.chip_uid, .replaces, .replaced_by]' <<<"$output")" '[null,null,null]'
}

@test "kmcard-status -j: a personalised card" {
	n=$(resident)
	kmcard-receive "$n" 04A1B2C3 >/dev/null
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["personalised",null,false,[[null,"ordered",null,"application"],["ordered","personalised",null,"received from the card bureau"]]]'
	eq "$(jq -r .chip_uid <<<"$output")" 04A1B2C3
}

@test "kmcard-status -j: an active card" {
	n=$(active)
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["active",null,false,[[null,"ordered",null,"application"],["ordered","personalised",null,"received from the card bureau"],["personalised","active",null,null]]]'
	eq "$(jq -r .chip_uid <<<"$output")" "$(uid "$n")"
}

@test "kmcard-status -j: a suspended card" {
	n=$(active)
	kmcard-suspend -r "holder asked" "$n" >/dev/null
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["suspended","holder asked",true,[[null,"ordered",null,"application"],["ordered","personalised",null,"received from the card bureau"],["personalised","active",null,null],["active","suspended","holder asked",null]]]'
	eq "$(jq -r .since <<<"$output")" "$(col state_at "$n")"
}

@test "kmcard-status -j: a blocked card" {
	n=$(active)
	kmcard-block -r lost -n "call 123" "$n" >/dev/null
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["blocked","lost",true,[[null,"ordered",null,"application"],["ordered","personalised",null,"received from the card bureau"],["personalised","active",null,null],["active","blocked","lost","call 123"]]]'
}

@test "kmcard-status -j: a replaced card, and the card that replaces it" {
	n=$(active)
	kmcard-replace -r damaged "$n" >/dev/null
	m=$(col "(SELECT number FROM card r WHERE r.id = card.replaced_by)" "$n")
	[ -n "$m" ]
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["replaced","damaged",true,[[null,"ordered",null,"application"],["ordered","personalised",null,"received from the card bureau"],["personalised","active",null,null],["active","replaced","damaged",null]]]'
	eq "$(jq -c '[.replaces, .replaced_by]' <<<"$output")" "[null,\"$m\"]"
	run -0 --separate-stderr kmcard-status -j "$m"
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    "[\"ordered\",null,false,[[null,\"ordered\",null,\"replaces $n\"]]]"
	eq "$(jq -c '[.replaces, .replaced_by]' <<<"$output")" "[\"$n\",null]"
	# The holder's PESEL finds both.
	run -0 --separate-stderr kmcard-status -t 44051401359
	eq "$(cut -f1,3 <<<"$output")" "$n	replaced
$m	ordered"
}

@test "kmcard-status -j: an expired card" {
	n=$(resident)
	kmcard-expire -f -d 2040-01-01 >/dev/null 2>&1
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["expired","validity ended",false,[[null,"ordered",null,"application"],["ordered","expired","validity ended",null]]]'
}

@test "kmcard-status -j: a revoked card" {
	n=$(active)
	kmcard-revoke -r fraud -n "case 7" "$n" >/dev/null
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(summary <<<"$output")" \
	    '["revoked","fraud",true,[[null,"ordered",null,"application"],["ordered","personalised",null,"received from the card bureau"],["personalised","active",null,null],["active","revoked","fraud","case 7"]]]'
}

@test "kmcard-status -j: the history's times and actor are the stored ones" {
	n=$(active)
	kmcard-block -r lost "$n" >/dev/null
	run -0 --separate-stderr kmcard-status -j "$n"
	eq "$(jq -r '.history[] | .at + " " + .by' <<<"$output")" \
	    "$(sqlite3 km.db "SELECT at || ' ' || actor FROM card_event ORDER BY id")"
}

@test "kmcard-status: the human form shows the history, one event a line" {
	n=$(active)
	kmcard-block -r lost -n "call 123" "$n" >/dev/null
	me=$(id -un)
	run -0 --separate-stderr kmcard-status "$n"
	eq "$stderr" ""
	ord=$(warsaw "$(col ordered_at "$n")")
	eq "$output" "number      $n
type        resident
state       blocked
reason      lost
holder      Jan Kowalski
holder_id   1
pesel       44051401359
street      ul. Długa 5
postcode    00-950
city        Warszawa
email       jan@example.pl
phone       600100200
services    identification, eticket, payments, benefits
chip_uid    $(uid "$n")
ordered     $ord
since       $(warsaw "$(col state_at "$n")")
expires     $(warsaw "$(col expires_at "$n")")
hotlisted   yes
history
  $(warsaw "$(at "$n" 1)")  ordered  $me  application
  $(warsaw "$(at "$n" 2)")  ordered -> personalised  $me  received from the card bureau
  $(warsaw "$(at "$n" 3)")  personalised -> active  $me
  $(warsaw "$(at "$n" 4)")  active -> blocked  lost  $me  call 123"
}

@test "kmcard-status: the human form of a replaced card names the new one" {
	n=$(active)
	kmcard-replace -r damaged "$n" >/dev/null
	m=$(col "(SELECT number FROM card r WHERE r.id = card.replaced_by)" "$n")
	run -0 --separate-stderr kmcard-status "$n"
	eq "$stderr" ""
	eq "$(grep -E '^(state|reason|replaced_by|hotlisted) ' <<<"$output")" "state       replaced
reason      damaged
replaced_by $m
hotlisted   yes"
	eq "${lines[-1]}" "  $(warsaw "$(at "$n" 4)")  active -> replaced  damaged  $(id -un)"
}

# ------------------------------------------------------------ the environment

@test "kmcard-status: only reads: the store is the same afterwards" {
	n=$(active)
	before=$(dump)
	run -0 --separate-stderr kmcard-status "$n" kow 44051401359
	run -0 --separate-stderr kmcard-status -s active
	run -1 --separate-stderr kmcard-status nobody
	eq "$(dump)" "$before"
}

@test "kmcard-status: a store busy with a writer can still be read" {
	n=$(resident)
	lock_store
	run -0 --separate-stderr kmcard-status -t "$n"
	unlock_store
	eq "$stderr" ""
	eq "$(cut -f1 <<<"$output")" "$n"
}

@test "kmcard-status: a missing store is exit 3, naming kmdb-init" {
	rm -f km.db km.db-wal km.db-shm
	run -3 --separate-stderr kmcard-status kow
	eq "$output" ""
	eq "$stderr" "kmcard-status: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)"
	[ ! -e km.db ]
}

@test "kmcard-status: a store that cannot be opened is exit 5" {
	rm -f km.db km.db-wal km.db-shm
	mkdir km.db
	run -5 --separate-stderr kmcard-status kow
	eq "$output" ""
	[[ "$stderr" == "kmcard-status: cannot open store '$PWD/km.db': "* ]]
	eq "${#stderr_lines[@]}" 1
}

@test "kmcard-status: a config with an unknown key is exit 3, file:line:col" {
	KM_EXTRA=$'store:\n  path: km.db' km_config
	run -3 --separate-stderr kmcard-status kow
	eq "$output" ""
	line=$(grep -n '^store:' km.yaml | tail -1 | cut -d: -f1)
	eq "$stderr" "kmcard-status: $PWD/km.yaml:$line:1: duplicate key 'store'"
	KM_EXTRA='roles_: []' km_config
	line=$(grep -n '^roles_:' km.yaml | cut -d: -f1)
	run -3 --separate-stderr kmcard-status kow
	eq "$output" ""
	eq "$stderr" "kmcard-status: $PWD/km.yaml:$line:1: unknown key 'roles_'"
}

@test "kmcard-status: -c names the config" {
	n=$(resident)
	unset KM_CONFIG
	run -0 --separate-stderr kmcard-status -t -c km.yaml "$n"
	eq "$stderr" ""
	eq "$(cut -f1 <<<"$output")" "$n"
}

# -------------------------------------------------------------------- options

@test "kmcard-status: -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr kmcard-status -h
	eq "$output" "$USAGE"
	eq "$stderr" ""
}

@test "kmcard-status: -V prints the version" {
	run -0 --separate-stderr kmcard-status -V
	eq "$output" "kmcard-status (km) 0.1.0"
	eq "$stderr" ""
}

@test "kmcard-status: an unknown option is a usage error" {
	run -2 --separate-stderr kmcard-status -x kow
	eq "$output" ""
	eq "${#stderr_lines[@]}" 4
	eq "${stderr_lines[0]}" "kmcard-status: invalid option -- 'x'"
	[[ "${stderr_lines[1]}" == "usage: kmcard-status "* ]]
	eq "${stderr_lines[1]}
${stderr_lines[2]}
${stderr_lines[3]}" "$USAGE"
}

@test "kmcard-status: a chip UID written with colons is found" {
	n=$(active)
	uid=$(kmcard-status -t "$n" | cut -f17)
	colons=$(sed 's/../&:/g; s/:$//' <<<"$uid" | tr 'A-F' 'a-f')
	run -0 --separate-stderr kmcard-status -t "$colons"
	eq "$stderr" ""
	eq "$(cut -f1 <<<"$output")" "$n"
}

@test "kmcard-status: a NIP with dashes and a bad check digit is bad data, not a name" {
	entrepreneur >/dev/null
	run -3 --separate-stderr kmcard-status 856-734-62-16
	eq "$output" ""
	eq "$stderr" "kmcard-status: argument 1: nip: bad check digit"
	run -0 --separate-stderr kmcard-status -t 'PL 856 734 62 15'
	eq "$(cut -f8 <<<"$output")" "8567346215"
}

# ------------------------------------------------- -C: the chip in the reader
#
# A private PC/SC stack: pcscd with a vpcd reader of its own, started by
# scripts/km-pcscd with its state in the test's directory and on a port
# of its own, and virtual cards from kmcard-sim.  There is one pcscd a
# machine: one that another user started is waited for, never stopped.

READER='Virtual PCD 00 00'
VPCD_PORT=${KM_TEST_VPCD_PORT:-35971}
UID7=04A1B2C3D4E5F6

km_pcscd() { "$KM_ROOT/scripts/km-pcscd" "$@"; }

stack_start() {
	local pid i
	command -v pcscd >/dev/null || skip "pcscd is not installed"
	[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
	    skip "the vpcd reader driver (vsmartcard-vpcd) is not installed"
	[ "$(id -u)" -eq 0 ] || skip "pcscd needs root"
	export KM_PCSCD_DIR="$BATS_TEST_TMPDIR/pcscd"
	# Another user's pcscd: wait for it to stop (60 s), then skip.
	for i in $(seq 600); do
		pid=$(pgrep -x pcscd) || break
		[ "$i" -lt 600 ] || skip "another pcscd is running (pid $pid)"
		sleep 0.1
	done
	touch "$BATS_TEST_TMPDIR/stack"
	km_pcscd start -p "$VPCD_PORT"
}

stack_stop() {
	[ -e "$BATS_TEST_TMPDIR/stack" ] || return 0
	km_pcscd stop
	rm -f "$BATS_TEST_TMPDIR/stack"
}

# blank FILE [UID]: a blank card.
blank() {
	kmcard-sim -n -u "${2:-$UID7}" "$1"
}

# card_set FILE ITEM VALUE: sets an item of the card file ("environment",
# "purse 1", "event 2", "invalidated", ...), as a person may while no
# kmcard-sim serves it.
card_set() {
	sed -i "s/^$2 .*/$2 $3/" "$1"
	grep -q "^$2 $3\$" "$1"
}

# envrec NUMBER TYPE END [PROFILE]: an environment record in hex, as
# kmcard-apdu(7) lays it out: version 01, the number in BCD, the type, the
# end date in days since 2010-01-01, the profile, then zero bytes.
envrec() {
	local days
	days=$((($(date -ud "$3" +%s) - $(date -ud 2010-01-01 +%s)) / 86400))
	printf '01%s%02X%04X%02X%032d' "$1" "$2" "$days" "${4:-0}" 0
}

# personal FILE NUMBER [TYPE]: a card file holding the card's environment
# record (end 2031-11-27) and a key 1 other than the transport key.
personal() {
	card_set "$1" "key 1" 000102030405060708090A0B0C0D0E0F &&
	    card_set "$1" environment "$(envrec "$2" "${3:-1}" 2031-11-27)"
}

# store_part NUMBER FORMAT: what kmcard-status shows of the card alone.
store_part() {
	kmcard-status $2 "$1"
}

@test "kmcard-status -C: a blank card bound to a card in the store shows the chip" {
	n=$(resident)
	kmcard-receive "$n" "$UID7" >/dev/null
	blank card.km
	km_pcscd insert card.km
	run -0 --separate-stderr kmcard-status -C
	eq "$stderr" ""
	eq "$output" "$(store_part "$n")
chip
  reader    $READER
  uid       $UID7
  state     blank
  emoney    0.00 (counter 0)
  points    0 (counter 0)"
	run -0 --separate-stderr kmcard-status -t -C
	eq "$stderr" ""
	eq "$(cut -f1-23 <<<"$output")" "$(store_part "$n" -t)"
	eq "$(cut -f24- <<<"$output")" "$READER	$UID7	blank					0.00	0	0	0		"
	run -0 --separate-stderr kmcard-status -j -C
	eq "$stderr" ""
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -c 'del(.chip)' <<<"$output")" "$(store_part "$n" -j)"
	eq "$(jq -c .chip <<<"$output")" "{\"reader\":\"$READER\",\"uid\":\"$UID7\",\"state\":\"blank\",\"number\":null,\"type\":null,\"expires\":null,\"profile\":null,\"emoney\":\"0.00\",\"emoney_counter\":0,\"points\":0,\"points_counter\":0,\"events\":[],\"mismatch\":[]}"
	eq "$(jq -r 'keys_unsorted[-2:] | join(" ")' <<<"$output")" \
	    "chip certificates"
}

@test "kmcard-status -C: a chip bound to no card is flagged, exit 1" {
	resident >/dev/null
	blank card.km 04A1B2C3
	km_pcscd insert card.km
	msg="kmcard-status: chip '04A1B2C3' in reader '$READER' is bound to no card"
	run -1 --separate-stderr kmcard-status -C
	eq "$stderr" "$msg"
	eq "$output" "chip
  reader    $READER
  uid       04A1B2C3
  state     blank
  emoney    0.00 (counter 0)
  points    0 (counter 0)
  mismatch  the chip is bound to no card"
	run -1 --separate-stderr kmcard-status -t -C
	eq "$stderr" "$msg"
	eq "$output" "$(printf '%.0s\t' $(seq 23))$READER	04A1B2C3	blank					0.00	0	0	0		unbound"
	run -1 --separate-stderr kmcard-status -j -C
	eq "$stderr" "$msg"
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -c '[.[] | select(. != null)] | length' <<<"$output")" 1
	eq "$(jq -c '[.number, .history, .chip.uid, .chip.mismatch]' <<<"$output")" \
	    '[null,null,"04A1B2C3",["unbound"]]'
}

@test "kmcard-status -C: a personalised chip that agrees with its card" {
	n=$(active)
	uid=$(uid "$n")
	blank card.km "$uid"
	personal card.km "$n"
	card_set card.km "purse 1" "1250 3 100000"
	card_set card.km "purse 2" "40 2 500"
	card_set card.km "event 1" "$(printf '02%056X' 7)"
	card_set card.km "event 3" "$(printf '01%056X' 5)"
	km_pcscd insert card.km
	run -0 --separate-stderr kmcard-status -C
	eq "$stderr" ""
	eq "$output" "$(store_part "$n")
chip
  reader    $READER
  uid       $uid
  state     personalised
  number    $n
  type      resident
  expires   2031-11-27
  profile   0
  emoney    12.50 (counter 3)
  points    40 (counter 2)
  event     $(printf '02%056X' 7)
  event     $(printf '01%056X' 5)"
	run -0 --separate-stderr kmcard-status -j -C
	eq "$stderr" ""
	eq "$(jq -c '.chip | del(.reader, .uid)' <<<"$output")" "{\"state\":\"personalised\",\"number\":\"$n\",\"type\":\"resident\",\"expires\":\"2031-11-27\",\"profile\":0,\"emoney\":\"12.50\",\"emoney_counter\":3,\"points\":40,\"points_counter\":2,\"events\":[\"$(printf '02%056X' 7)\",\"$(printf '01%056X' 5)\"],\"mismatch\":[]}"
	run -0 --separate-stderr kmcard-status -t -C
	eq "$stderr" ""
	eq "$(cut -f24- <<<"$output")" "$READER	$uid	personalised	$n	resident	2031-11-27	0	12.50	3	40	2	$(printf '02%056X' 7),$(printf '01%056X' 5)	"
}

@test "kmcard-status -C: a card blocked in the store whose chip still works is flagged" {
	n=$(active)
	uid=$(uid "$n")
	kmcard-block -r lost "$n" >/dev/null
	blank card.km "$uid"
	personal card.km "$n"
	km_pcscd insert card.km
	run -1 --separate-stderr kmcard-status -C
	eq "$stderr" "kmcard-status: chip '$uid' in reader '$READER' disagrees with card '$n': state"
	eq "$(grep -E '^(state|  state|  mismatch) ' <<<"$output")" "state       blocked
  state     personalised
  mismatch  card blocked in the store, application personalised on the chip"
	run -1 --separate-stderr kmcard-status -t -C
	eq "$(cut -f1,3,26,36 <<<"$output")" "$n	blocked	personalised	state"
	# Invalidated, the chip agrees.
	km_pcscd remove
	card_set card.km invalidated 1
	km_pcscd insert card.km
	run -0 --separate-stderr kmcard-status -j -C
	eq "$stderr" ""
	eq "$(jq -c '[.state, .chip.state, .chip.mismatch]' <<<"$output")" \
	    '["blocked","invalidated",[]]'
}

@test "kmcard-status -C: another number and type on the chip are flagged" {
	n=$(active)
	uid=$(uid "$n")
	kmcard-revoke -r fraud "$n" >/dev/null
	blank card.km "$uid"
	personal card.km 9001002000000014 2
	km_pcscd insert card.km
	run -1 --separate-stderr kmcard-status -C
	eq "$stderr" "kmcard-status: chip '$uid' in reader '$READER' disagrees with card '$n': number, state, type"
	eq "$(grep '^  mismatch ' <<<"$output")" "  mismatch  card number 9001002000000014 on the chip, $n in the store
  mismatch  card revoked in the store, application personalised on the chip
  mismatch  card type entrepreneur on the chip, resident in the store"
	run -1 --separate-stderr kmcard-status -j -C
	eq "$(jq -c '[.number, .chip.number, .chip.type, .chip.mismatch]' <<<"$output")" \
	    "[\"$n\",\"9001002000000014\",\"entrepreneur\",[\"number\",\"state\",\"type\"]]"
	run -1 --separate-stderr kmcard-status -t -C
	eq "$(cut -f36 <<<"$output")" "number,state,type"
}

@test "kmcard-status -C: a chip personalised and loaded in real sessions" {
	kmchip=$KM_ROOT/tests/chip/kmchip
	[ -x "$kmchip" ] || skip "tests/chip/kmchip is not built"
	n=$(active)
	uid=$(uid "$n")
	blank card.km "$uid"
	km_pcscd insert card.km
	printf '%032X\n' 1 2 3 4 > keys
	"$kmchip" perso keys >/dev/null
	"$kmchip" load keys 1 1250 >/dev/null
	"$kmchip" load keys 2 30 >/dev/null
	run -1 --separate-stderr kmcard-status -j -C
	eq "$stderr" "kmcard-status: chip '$uid' in reader '$READER' disagrees with card '$n': number"
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -c '.chip | [.uid, .state, .type, .emoney, .emoney_counter,
	    .points, .points_counter, (.events | length), .mismatch]' <<<"$output")" \
	    "[\"$uid\",\"personalised\",\"resident\",\"12.50\",1,30,1,2,[\"number\"]]"
	# kmchip writes a card number of its own, never one of the store's.
	[[ "$(jq -r .chip.number <<<"$output")" =~ ^[0-9]{16}$ ]]
	[ "$(jq -r .chip.number <<<"$output")" != "$n" ]
	[[ "$(jq -r '.chip.events[0]' <<<"$output")" =~ ^[0-9A-F]{58}$ ]]
}

@test "kmcard-status -C: no card in the reader is exit 4, naming the reader" {
	resident >/dev/null
	run -4 --separate-stderr kmcard-status -C -r "$READER"
	eq "$output" ""
	eq "$stderr" "kmcard-status: no card in reader '$READER'"
	run -4 --separate-stderr kmcard-status -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: no card in any reader: '$READER', 'Virtual PCD 00 01'"
	run -4 --separate-stderr kmcard-status -j -r 'ACS ACR39U 00' -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: no reader 'ACS ACR39U 00'"
}

@test "kmcard-status -C: the reader comes from reader.name, and -r overrides it" {
	n=$(resident)
	kmcard-receive "$n" "$UID7" >/dev/null
	blank card.km
	km_pcscd insert card.km
	KM_EXTRA=$'reader:\n  name: Virtual PCD 00 01' km_config
	run -4 --separate-stderr kmcard-status -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: no card in reader 'Virtual PCD 00 01'"
	run -0 --separate-stderr kmcard-status -t -r "$READER" -C
	eq "$stderr" ""
	eq "$(cut -f1,24,25 <<<"$output")" "$n	$READER	$UID7"
	KM_EXTRA=$'reader:\n  name: '"$READER" km_config
	run -0 --separate-stderr kmcard-status -t -C
	eq "$stderr" ""
	eq "$(cut -f1,24 <<<"$output")" "$n	$READER"
}

@test "kmcard-status -C: only reads: the store and the card are the same afterwards" {
	n=$(active)
	blank card.km "$(uid "$n")"
	personal card.km "$n"
	km_pcscd insert card.km
	cp card.km before.km
	before=$(dump)
	run -0 --separate-stderr kmcard-status -C
	run -0 --separate-stderr kmcard-status -j -C
	eq "$stderr" ""
	km_pcscd remove
	eq "$(dump)" "$before"
	cmp card.km before.km
}

@test "kmcard-status -C: an environment record of another version is bad data, exit 3" {
	n=$(active)
	blank card.km "$(uid "$n")"
	card_set card.km environment "02$(envrec "$n" 1 2031-11-27 | cut -c3-)"
	km_pcscd insert card.km
	run -3 --separate-stderr kmcard-status -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: reader '$READER': environment record of version 02 (01 expected)"
	km_pcscd remove
	card_set card.km environment "$(envrec "$n" 1 2031-11-27 | sed 's/^01900/019A0/')"
	km_pcscd insert card.km
	run -3 --separate-stderr kmcard-status -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: reader '$READER': environment record: the card number is not BCD"
}

@test "kmcard-status: -C without pcscd is exit 4" {
	n=$(resident)
	export PCSCLITE_CSOCK_NAME="$BATS_TEST_TMPDIR/no-pcscd.comm"
	run -4 --separate-stderr kmcard-status -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: cannot reach pcscd: service not available"
	run -4 --separate-stderr kmcard-status -t -r "$READER" -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: cannot reach pcscd: service not available"
}

@test "kmcard-status: -C takes no key and no -s; -r needs -C and a name" {
	n=$(resident)
	run -2 --separate-stderr kmcard-status -C "$n"
	eq "$output" ""
	eq "$stderr" "$USAGE"
	run -2 --separate-stderr kmcard-status -C -s active
	eq "$output" ""
	eq "$stderr" "$USAGE"
	run -2 --separate-stderr kmcard-status -r "$READER" "$n"
	eq "$output" ""
	eq "$stderr" "$USAGE"
	run -2 --separate-stderr kmcard-status -r '' -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: -r '': no reader named"
}

@test "kmcard-status: -C reads the store's config first: a bad reader.name is exit 3" {
	KM_EXTRA=$'reader:\n  name: ""' km_config
	line=$(grep -n '^  name:' km.yaml | cut -d: -f1)
	run -3 --separate-stderr kmcard-status -C
	eq "$output" ""
	eq "$stderr" "kmcard-status: $PWD/km.yaml:$line:9: 'reader.name' must not be empty"
}
