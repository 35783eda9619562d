#!/usr/bin/env bats
# kmcard-sim: the virtual card's command line: making card files, refusing
# bad ones, and the card's side of the vpcd protocol, spoken here to a
# fake vpcd (a small Perl server), never to pcscd: tests through the real
# pcscd live elsewhere.
load helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	cat > fakevpcd.pl <<'EOF'
# fakevpcd.pl SCRIPT: listens on 127.0.0.1 (a free port, written to the
# file "port"), takes one card, and plays SCRIPT, one step a line:
#   on | off | reset       control messages 01, 00, 02
#   atr                    04, prints "atr HEX"
#   apdu HEX               prints "< HEX" (the response) or "eof"
#   split HEX              the same, length and body in two writes
#   hold                   waits until the card hangs up, prints "eof"
#   close                  hangs up
use strict;
use warnings;
use IO::Socket::INET;
$| = 1;
my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Listen => 1, ReuseAddr => 1) or die "listen: $!";
open(my $pf, '>', 'port.tmp') or die;
print $pf $srv->sockport, "\n";
close($pf);
rename('port.tmp', 'port');
my $c = $srv->accept or die "accept: $!";
sub readn {
	my ($n) = @_;
	my $buf = '';
	while (length($buf) < $n) {
		my $r = sysread($c, $buf, $n - length($buf), length($buf));
		return undef if !$r;
	}
	return $buf;
}
sub msg {
	my ($b, $split) = @_;
	my $h = pack('n', length($b));
	if ($split) {
		syswrite($c, $h);
		select(undef, undef, undef, 0.05);
		syswrite($c, $b);
	} else {
		syswrite($c, $h . $b);
	}
}
sub answer {
	my $h = readn(2);
	return undef unless defined $h;
	return readn(unpack('n', $h));
}
open(my $sf, '<', $ARGV[0]) or die;
while (my $l = <$sf>) {
	chomp $l;
	my ($op, @hex) = split(' ', $l);
	my $hex = join('', @hex);
	if ($op eq 'on') { msg("\x01") }
	elsif ($op eq 'off') { msg("\x00") }
	elsif ($op eq 'reset') { msg("\x02") }
	elsif ($op eq 'close') { close($c); last }
	elsif ($op eq 'hold') {
		my $r = answer();
		print defined($r) ? "unexpected\n" : "eof\n";
		last;
	} else {
		msg($op eq 'atr' ? "\x04" : pack('H*', $hex), $op eq 'split');
		my $r = answer();
		if (!defined($r)) { print "eof\n"; last }
		print $op eq 'atr' ? 'atr ' : '< ', uc(unpack('H*', $r)), "\n";
	}
}
EOF
}

teardown() {
	cd "$BATS_TEST_TMPDIR" || return 0
	[ -f sim.pid ] && kill "$(cat sim.pid)" 2>/dev/null
	[ -f fake.pid ] && kill "$(cat fake.pid)" 2>/dev/null
	return 0
}

USAGE='usage: kmcard-sim -n [-f] -u uid file
       kmcard-sim [-v] [-H host] [-p port] [-x n] file'
SELECT='00A4040007F04B4D4341524400'
ATR='3BF813000081 31FE154B4D434152443031A3'
ATR=${ATR// /}

# eq ACTUAL EXPECTED: string equality that shows both on failure.
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}

# fake STEP...: starts the fake vpcd on the steps given, one per
# argument; its output goes to fake.out; waits until it listens and sets
# PORT.
fake() {
	printf '%s\n' "$@" > script
	rm -f port
	perl fakevpcd.pl script > fake.out 2> fake.err &
	echo $! > fake.pid
	for _ in $(seq 6000); do
		[ -s port ] && break
		sleep 0.01
	done
	PORT=$(cat port)
}

# A port nothing listens on.
free_port() {
	perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(
	    LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1) or die;
	    print $s->sockport, "\n"'
}

# ------------------------------------------------------------ the basics

@test "kmcard-sim: -h prints the usage to stdout" {
	run -0 --separate-stderr kmcard-sim -h
	eq "$output" "$USAGE"
	eq "$stderr" ""
}

@test "kmcard-sim: -V prints the version" {
	run -0 --separate-stderr kmcard-sim -V
	[[ "$output" == "kmcard-sim (km) "* ]]
	eq "$stderr" ""
}

@test "kmcard-sim: an unknown option is a usage error" {
	run -2 --separate-stderr kmcard-sim -q card.km
	eq "$output" ""
	[[ "${stderr_lines[1]}" == "usage: kmcard-sim -n [-f] -u uid file" ]]
}

@test "kmcard-sim: operands and mixed forms are usage errors" {
	run -2 --separate-stderr kmcard-sim
	[[ "${stderr_lines[0]}" == "usage: kmcard-sim "* ]]
	run -2 --separate-stderr kmcard-sim a.km b.km
	run -2 --separate-stderr kmcard-sim -n card.km
	run -2 --separate-stderr kmcard-sim -u 04A1B2C3 card.km
	run -2 --separate-stderr kmcard-sim -f card.km
	run -2 --separate-stderr kmcard-sim -n -u 04A1B2C3 -x 3 card.km
	run -2 --separate-stderr kmcard-sim -n -u 04A1B2C3 -p 4000 card.km
	[ ! -e card.km ]
}

@test "kmcard-sim: a bad port or -x is a usage error" {
	run -2 --separate-stderr kmcard-sim -p 0 card.km
	eq "$stderr" "kmcard-sim: -p '0': not a number from 1 to 65535"
	run -2 --separate-stderr kmcard-sim -p 70000 card.km
	run -2 --separate-stderr kmcard-sim -p http card.km
	run -2 --separate-stderr kmcard-sim -x 0 card.km
	eq "$stderr" "kmcard-sim: -x '0': not a number from 1 to 1000000000"
	run -2 --separate-stderr kmcard-sim -x -1 card.km
}

# ------------------------------------------------------------ card files

@test "kmcard-sim: -n writes a blank card file" {
	run -0 --separate-stderr kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	eq "$output" ""
	eq "$stderr" ""
	z58=$(printf '0%.0s' $(seq 58))
	eq "$(cat card.km)" "KMCARD 1
uid 04A1B2C3D4E5F6
key 1 00000000000000000000000000000000
environment $z58
event 1 $z58
event 2 $z58
event 3 $z58
contract 1 $z58
contract 2 $z58
contract 3 $z58
contract 4 $z58
counters 000000000000000000000000
purse 1 0 0 0
purse 2 0 0 0
sessions 0
ratified 1
invalidated 0
end"
	eq "$(stat -c %a card.km)" 600
	eq "$(ls card.km*)" card.km
}

@test "kmcard-sim: -n refuses to overwrite a card file without -f" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	cp card.km before.km
	run -3 --separate-stderr kmcard-sim -n -u 04:11:22:33 card.km
	eq "$output" ""
	eq "$stderr" "kmcard-sim: card file 'card.km' exists (overwrite with -f)"
	cmp card.km before.km
	run -0 --separate-stderr kmcard-sim -n -f -u '04 11 22 33' card.km
	eq "$stderr" ""
	eq "$(sed -n 2p card.km)" "uid 04112233"
	run -0 --separate-stderr kmcard-sim -n -f -u 0011223344556677889A new.km
	eq "$(sed -n 2p new.km)" "uid 0011223344556677889A"
}

@test "kmcard-sim: a bad uid is a usage error and writes nothing" {
	run -2 --separate-stderr kmcard-sim -n -u 04A1B2 card.km
	eq "$output" ""
	eq "$stderr" "kmcard-sim: -u '04A1B2': chip uid: not 4, 7 or 10 bytes in hex"
	run -2 --separate-stderr kmcard-sim -n -u 04A1B2CZ card.km
	[[ "$stderr" == "kmcard-sim: -u '04A1B2CZ': "* ]]
	run -2 --separate-stderr kmcard-sim -n -u '' card.km
	[ ! -e card.km ]
}

@test "kmcard-sim: -n into a directory that does not exist" {
	run -3 --separate-stderr kmcard-sim -n -u 04A1B2C3 no/such/card.km
	[[ "$stderr" == "kmcard-sim: cannot write card file 'no/such/card.km': No such file or directory" ]]
}

@test "kmcard-sim: a damaged card file is refused with its line" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	sed -i 's/^purse 1 0 0 0$/purse 1 0 70000 0/' card.km
	run -3 --separate-stderr kmcard-sim -p "$(free_port)" card.km
	eq "$output" ""
	eq "$stderr" "kmcard-sim: card.km:13: purse counter: 70000 out of range (0 to 65535)"
	head -c 300 /dev/urandom > noise.km
	run -3 --separate-stderr kmcard-sim noise.km
	[[ "$stderr" == "kmcard-sim: noise.km:"* ]]
	printf 'KMCARD 1\nuid 04A1B2C3\n' > cut.km
	run -3 --separate-stderr kmcard-sim cut.km
	eq "$stderr" "kmcard-sim: cut.km:3: no 'end' line: the file is cut short"
	run -3 --separate-stderr kmcard-sim absent.km
	eq "$stderr" "kmcard-sim: cannot open card file 'absent.km': No such file or directory"
}

@test "kmcard-sim: no vpcd listening is a temporary failure" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	cp card.km before.km
	port=$(free_port)
	run -4 --separate-stderr kmcard-sim -p "$port" card.km
	eq "$output" ""
	eq "$stderr" "kmcard-sim: cannot connect to vpcd '127.0.0.1:$port': Connection refused"
	cmp card.km before.km
}

@test "kmcard-sim: an unknown host is bad data" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	run -3 --separate-stderr kmcard-sim -H no-such-host.invalid card.km
	[[ "$stderr" == "kmcard-sim: cannot connect to vpcd 'no-such-host.invalid:35963': "* ]]
}

# ------------------------------------------------------------ a fake vpcd

@test "kmcard-sim: answers power, ATR and APDUs, and exits when vpcd hangs up" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	fake on atr "apdu $SELECT" "split 80 5C 00 01 0A" "apdu 00 B2 01 3C" \
	    reset "apdu 80 5C 00 01 0A" off atr "apdu 00 A4 04 00 02 01 02" \
	    "apdu 00 B2" close
	run -0 --separate-stderr kmcard-sim -vv -p "$PORT" card.km
	wait "$(cat fake.pid)"
	eq "$(cat fake.out)" "atr $ATR
< 6F198407F04B4D43415244A50E9F100704A1B2C3D4E5F69F1101009000
< 000000000000000000009000
< $(printf '0%.0s' $(seq 58))9000
< 6A82
atr $ATR
< 6A82
< 6700"
	eq "$output" ""
	eq "${stderr_lines[0]}" "kmcard-sim: info: card 'card.km' inserted into vpcd '127.0.0.1:$PORT'"
	eq "${stderr_lines[1]}" "kmcard-sim: info: power on"
	eq "${stderr_lines[2]}" "kmcard-sim: debug: > 00 A4 04 00 07 F0 4B 4D 43 41 52 44 00"
	[[ "$stderr" == *"kmcard-sim: info: reset"* ]]
	[[ "$stderr" == *"kmcard-sim: info: power off"* ]]
	[[ "$stderr" == *"kmcard-sim: info: vpcd '127.0.0.1:$PORT' closed the connection" ]]
}

@test "kmcard-sim: -x pulls the card out at the nth APDU, unanswered" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	cp card.km before.km
	fake on "apdu $SELECT" "apdu 80 8A 01 00 08 01 02 03 04 05 06 07 08 00" \
	    "apdu 80 5C 00 01 0A" "apdu 80 5C 00 01 0A"
	run -0 --separate-stderr kmcard-sim -v -x 3 -p "$PORT" card.km
	wait "$(cat fake.pid)"
	eq "${lines[*]}" ""
	run cat fake.out
	eq "${#lines[@]}" 3
	[[ "${lines[0]}" == "< 6F19"*"9000" ]]
	[[ "${lines[1]}" == "< "*"9000" ]]
	eq "${lines[2]}" "eof"
	cmp card.km before.km
}

@test "kmcard-sim: SIGTERM takes the card out and exits 0" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	fake on "apdu $SELECT" hold
	kmcard-sim -p "$PORT" card.km 2> sim.err &
	echo $! > sim.pid
	# Until the card has answered its first APDU (slow under the
	# sanitizers on a busy machine: up to 60 s).
	for _ in $(seq 6000); do
		[ -s fake.out ] && break
		sleep 0.01
	done
	[ -s fake.out ]
	kill -TERM "$(cat sim.pid)"
	# In this shell, not in run's subshell: the card is this shell's
	# child, and a subshell cannot wait for it if it is still exiting.
	st=0
	wait "$(cat sim.pid)" || st=$?
	eq "$st" 0
	rm sim.pid
	wait "$(cat fake.pid)"
	eq "$(tail -n 1 fake.out)" "eof"
	eq "$(cat sim.err)" ""
}

@test "kmcard-sim: a card file is served by one kmcard-sim at a time" {
	kmcard-sim -n -u 04A1B2C3D4E5F6 card.km
	fake on "apdu $SELECT" hold
	kmcard-sim -p "$PORT" card.km &
	echo $! > sim.pid
	for _ in $(seq 6000); do
		[ -s fake.out ] && break
		sleep 0.01
	done
	run -4 --separate-stderr kmcard-sim -p "$(free_port)" card.km
	eq "$stderr" "kmcard-sim: cannot lock card file 'card.km': in use by another kmcard-sim"
	run -4 --separate-stderr kmcard-sim -n -f -u 04A1B2C3 card.km
	eq "$stderr" "kmcard-sim: cannot lock card file 'card.km': in use by another kmcard-sim"
	kill -TERM "$(cat sim.pid)"
	wait "$(cat sim.pid)"
	rm sim.pid
	wait "$(cat fake.pid)"
	port=$(free_port)
	run -4 --separate-stderr kmcard-sim -p "$port" card.km
	eq "$stderr" "kmcard-sim: cannot connect to vpcd '127.0.0.1:$port': Connection refused"
}
