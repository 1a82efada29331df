#!/usr/bin/env perl
# generate.pl: builds demo-city.mmdb, the demo world's GeoIP2-City-schema MaxMind DB, from
# clients.json (the single source of truth: one client place per entry).
#
# Every network in it is a documentation range (IPv4 192.0.2.0/24, 198.51.100.0/24 and
# 203.0.113.0/24 from RFC 5737, IPv6 2001:db8::/32 from RFC 3849), so the file claims nothing
# about real networks. The records follow the GeoIP2 City schema of MaxMind's own databases
# (city, continent, country, registered_country, location, subdivisions), so
# @maxmind/geoip2-node's Reader#city() reads them like a real GeoIP2-City database.
#
# Run from the repository root:
#   apt-get install -y libmaxmind-db-writer-perl     # MaxMind::DB::Writer::Tree (Debian)
#   perl gateway/demo/geoip/generate.pl [OUTPUT]
# OUTPUT defaults to demo-city.mmdb beside this script. JSON::PP is core Perl.
#
# The output is committed, so `npm start` and the tests never need apt or Perl; regenerate
# and commit it whenever clients.json changes. The build epoch is fixed (override it with
# SOURCE_DATE_EPOCH), so the same clients.json always gives the same bytes.

use strict;
use warnings;
use utf8;

use File::Basename qw(dirname);
use File::Spec ();
use JSON::PP ();
use MaxMind::DB::Writer::Tree ();

# 2026-01-01T00:00:00Z: a fixed build epoch keeps the output byte-for-byte reproducible.
my $BUILD_EPOCH = $ENV{SOURCE_DATE_EPOCH} // 1_767_225_600;

# MaxMind's continent codes and their English names (a fixed list, not client data).
my %CONTINENT_NAMES = (
    AF => 'Africa',
    AN => 'Antarctica',
    AS => 'Asia',
    EU => 'Europe',
    NA => 'North America',
    OC => 'Oceania',
    SA => 'South America',
);

# The writer needs the MaxMind DB type of every map key it meets (metadata has its own).
my %KEY_TYPES = (
    accuracy_radius      => 'uint16',
    city                 => 'map',
    code                 => 'utf8_string',
    continent            => 'map',
    country              => 'map',
    en                   => 'utf8_string',
    is_in_european_union => 'boolean',
    iso_code             => 'utf8_string',
    latitude             => 'double',
    location             => 'map',
    longitude            => 'double',
    names                => 'map',
    registered_country   => 'map',
    subdivisions         => [ 'array', 'map' ],
    time_zone            => 'utf8_string',
);

my $here   = dirname( File::Spec->rel2abs(__FILE__) );
my $input  = File::Spec->catfile( $here, 'clients.json' );
my $output = $ARGV[0] // File::Spec->catfile( $here, 'demo-city.mmdb' );

my $places = do {
    open my $fh, '<:raw', $input or die "cannot read $input: $!\n";
    local $/;
    JSON::PP->new->utf8->decode(<$fh>);
};
die "$input: expected a non-empty array of places\n"
    unless ref $places eq 'ARRAY' && @{$places};

my $tree = MaxMind::DB::Writer::Tree->new(
    database_type => 'GeoIP2-City',
    description   => {
        en => 'Demo world client places (documentation address ranges only: RFC 5737, RFC 3849)',
    },
    ip_version               => 6,
    record_size              => 28,
    languages                => ['en'],
    alias_ipv6_to_ipv4       => 1,
    remove_reserved_networks => 0,    # every network here is reserved for documentation
    map_key_type_callback    => sub {
        my $key = shift;
        return $KEY_TYPES{$key} // die "generate.pl: no MaxMind DB type for map key '$key'\n";
    },
);
# The writer's only knob for the build epoch is this private setter (its own tests use it).
$tree->_set_build_epoch($BUILD_EPOCH);

my %seen;
for my $place ( @{$places} ) {
    my $id = $place->{id} // die "$input: a place has no id\n";
    for my $field (
        qw(ipv4 ipv6 city country countryName subdivision continent latitude longitude
        accuracyRadiusKm timeZone)
        ) {
        die "$input: place '$id' has no $field\n" unless defined $place->{$field};
    }
    die "$input: place '$id' has unknown continent '$place->{continent}'\n"
        unless $CONTINENT_NAMES{ $place->{continent} };
    for my $network ( $place->{ipv4}, $place->{ipv6} ) {
        die "$input: network $network is used twice\n" if $seen{$network}++;
    }

    my $country = {
        iso_code => $place->{country},
        names    => { en => $place->{countryName} },
        ( $place->{inEuropeanUnion} ? ( is_in_european_union => JSON::PP::true ) : () ),
    };
    my $record = {
        city      => { names => { en => $place->{city} } },
        continent => {
            code  => $place->{continent},
            names => { en => $CONTINENT_NAMES{ $place->{continent} } },
        },
        country            => $country,
        registered_country => {%$country},
        location           => {
            latitude        => 0 + $place->{latitude},
            longitude       => 0 + $place->{longitude},
            accuracy_radius => 0 + $place->{accuracyRadiusKm},
            time_zone       => $place->{timeZone},
        },
        subdivisions => [
            {
                iso_code => $place->{subdivision}{iso},
                names    => { en => $place->{subdivision}{name} },
            },
        ],
    };

    $tree->insert_network( $place->{ipv4}, $record );
    $tree->insert_network( $place->{ipv6}, $record );
}

open my $out, '>:raw', $output or die "cannot write $output: $!\n";
$tree->write_tree($out);
close $out or die "cannot write $output: $!\n";
printf "wrote %s: %d places, %d bytes\n", $output, scalar @{$places}, -s $output;
