// The namespace rule in the core (native/core/namespaces.h): one spelling per source, with exactly
// the answers of the Python rule it replaced (ingest.naming.normal_namespace over Python 3.11's
// urllib.parse.urlsplit; tests/test_namespace_rule.py compares the two on generated namespaces).
// Each expectation below is that Python rule's answer.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "namespaces.h"
#include "unicode_case.h"

namespace lm {
namespace {

// A namespace as sent and its one spelling.
struct Case {
  std::string sent;
  std::string spelled;
};

void expect_cases(std::initializer_list<Case> cases) {
  for (const Case& c : cases) EXPECT_EQ(normal_namespace(c.sent), c.spelled) << "sent \"" << c.sent << '"';
}

TEST(Namespaces, NotAUrlIsLeftAsSent) {
  expect_cases({
      {"", ""},
      {"file", "file"},
      {"warehouse", "warehouse"},
      {"s3:/b", "s3:/b"},
      {"1http://X", "1http://X"},         // a scheme begins with a letter
      {"ht_tp://X", "ht_tp://X"},         // and holds only letters, digits, + . -
      {"://host", "://host"},
      {"Ünï://Host", "Ünï://Host"},
  });
}

TEST(Namespaces, ObjectStoresTakeTheSpecsScheme) {
  expect_cases({
      {"s3a://bucket", "s3://bucket"},
      {"s3n://bucket/", "s3://bucket"},
      {"S3://Bucket", "S3://Bucket"},     // the scheme alone is not respelled: nothing to drop
      {"S3://Bucket/", "s3://Bucket"},
      {"s3://bucket", "s3://bucket"},
      {"s3://", "s3://"},
      {"s3a://", "s3a://"},
      {"s3a:////", "s3a:////"},
      {"gs://b//", "gs://b"},
      {"gsx://b", "gs://b"},              // a prefix, as ingest.naming matches it
      {"abfs://c@svc.dfs.core.windows.net", "abfss://c@svc.dfs.core.windows.net"},
      {"abfss://c@svc", "abfss://c@svc"},
      {"wasb://c@svc/", "wasbs://c@svc"},
      {"s3a://b/k/", "s3://b/k"},
  });
}

TEST(Namespaces, SqliteUrlsTakeTheirJdbcForm) {
  expect_cases({
      {"sqlite:////p/c.db", "sqlite:/p/c.db"},
      {"sqlite:///c.db", "sqlite:c.db"},
      {"sqlite://", "sqlite::memory:"},
      {"sqlite:///", "sqlite::memory:"},
      {"SQLite+pysqlite:////tmp/x.db", "sqlite:/tmp/x.db"},
      {"sqlitex:///c.db", "sqlitex:///c.db"},
  });
}

TEST(Namespaces, DatabasesTakeTheSpecsSchemeAndALowerCaseHost) {
  expect_cases({
      {"postgresql://DB.foo:5432/", "postgres://db.foo:5432"},
      {"postgres://db:5432", "postgres://db:5432"},
      {"Postgres://db:05432", "postgres://db:5432"},
      {"mariadb://H:3306/db/", "mysql://h:3306/db"},
      {"mysql://u:p@Host:0/x?y=1#frag", "mysql://u:p@host/x?y=1"},
      {"postgres://db:99999", "postgres://db:99999"},     // out of range: as sent
      {"postgres://db:5x", "postgres://db:5x"},           // not a port: as sent
      {"postgres://db:+5", "postgres://db:+5"},
      {"postgres://db:00000000000000005432", "postgres://db:5432"},
      {"postgres://:5432", "postgres://:5432"},           // no host: as sent
      {"postgres://", "postgres://"},
      {"postgres://u@", "postgres://u@"},
      {"postgres://a@b@Host:1", "postgres://a@b@host:1"},
      {"postgres://db:1:2", "postgres://db:1:2"},
      {"postgres://h\t\r\nost/p", "postgres://host/p"},   // urlsplit drops tabs and line breaks
      {"postgres://host/p?", "postgres://host/p"},
      {"postgres://host/?q", "postgres://host?q"},
      {"postgres://host#/x?y", "postgres://host"},
      {"postgres://Host%ZONE/", "postgres://host%ZONE"},
      {"postgres://db:", "postgres://db"},
  });
}

TEST(Namespaces, HttpDropsItsDefaultPort) {
  expect_cases({
      {"HTTP://Cat:80/", "http://cat"},
      {"http://cat:8080/api/", "http://cat:8080/api"},
      {"https://cat:443", "https://cat"},
      {"https://cat:80", "https://cat:80"},
      {"http://cat", "http://cat"},
  });
}

TEST(Namespaces, BracketedHostsMustBeIpv6OrIpvFuture) {
  expect_cases({
      {"http://[::1]:80/", "http://[::1]"},
      {"http://[FE80::1%Eth0]:8080", "http://[fe80::1%Eth0]:8080"},
      {"http://[::1%a:b]", "http://[::1%a:b]"},
      {"http://[1:2:3:4:5:6:7:8]", "http://[1:2:3:4:5:6:7:8]"},
      {"http://[1:2:3:4:5:6:1.2.3.4]", "http://[1:2:3:4:5:6:1.2.3.4]"},
      {"http://[::FFFF:1.2.3.4]", "http://[::ffff:1.2.3.4]"},
      {"http://[vA.Future]/", "http://va.future"},         // no colon: no brackets back
      {"http://[1.2.3.4]", "http://[1.2.3.4]"},            // IPv4 in brackets: as sent
      {"http://[v1.]", "http://[v1.]"},
      {"http://[vx.y]", "http://[vx.y]"},
      {"http://[::1", "http://[::1"},
      {"http://::1]", "http://::1]"},
      {"http://[]", "http://[]"},
      {"http://[::1%]", "http://[::1%]"},
      {"http://[::1%a%b]", "http://[::1%a%b]"},
      {"http://[1::2::3]", "http://[1::2::3]"},
      {"http://[1:2:3:4:5:6:7]", "http://[1:2:3:4:5:6:7]"},
      {"http://[1:2:3:4:5:6:7:8:9]", "http://[1:2:3:4:5:6:7:8:9]"},
      {"http://[1:2:3:4:5:6:7::]", "http://[1:2:3:4:5:6:7::]"},
      {"http://[::2:3:4:5:6:7:8]", "http://[::2:3:4:5:6:7:8]"},
      {"http://[1:2:3:4:5:6:7::8]", "http://[1:2:3:4:5:6:7::8]"},
      {"http://[:1:2:3:4:5:6:7]", "http://[:1:2:3:4:5:6:7]"},
      {"http://[1:2:3:4:5:6:7:]", "http://[1:2:3:4:5:6:7:]"},
      {"http://[:1::2]", "http://[:1::2]"},
      {"http://[1::2:]", "http://[1::2:]"},
      {"http://[12345::1]", "http://[12345::1]"},
      {"http://[g::1]", "http://[g::1]"},
      {"http://[::1.2.3]", "http://[::1.2.3]"},
      {"http://[::1.2.3.04]", "http://[::1.2.3.04]"},
      {"http://[::1.2.3.256]", "http://[::1.2.3.256]"},
      {"http://[1:2:3:4:5:6:7:1.2.3.4]", "http://[1:2:3:4:5:6:7:1.2.3.4]"},
      {"http://[::]", "http://[::]"},
      {"http://[::1]x:81", "http://[::1]:81"},
      {"http://u[@[::1]", "http://u[@[::1]"},
      {"http://a]b[c", "http://a]b[c"},
  });
}

TEST(Namespaces, NonAsciiHostsAsPythonLowerCasesThem) {
  expect_cases({
      {"http://ÄÖ.Example", "http://äö.example"},
      {"http://İx", "http://i̇x"},                         // one code point becomes two
      {"http://ΟΔΟΣ", "http://οδος"},                      // a word-final sigma
      {"http://ΣΑ", "http://σα"},
      {"http://ΑΣ.Β", "http://ασ.β"},                      // . is case-ignorable: Β follows
      {"http://ΑΣ.1", "http://ας.1"},
      {"http://ΑΣ'Β", "http://ασ'β"},
      {"http://Σ", "http://σ"},
      {"http://a℀b", "http://a℀b"},                       // NFKC makes a/c: as sent
      {"http://u＠host", "http://u＠host"},
      {"http://ｈost", "http://ｈost"},                      // full width, but nothing that splits
  });
  EXPECT_EQ(python_lower("ABC"), "abc");
  EXPECT_EQ(python_lower("ΑΣ"), "ας");
  EXPECT_FALSE(nfkc_makes_url_delimiter(0xE9));
  EXPECT_TRUE(nfkc_makes_url_delimiter(0xFF0F));
}

TEST(Namespaces, OtherSchemesAreOnlyLowerCased) {
  expect_cases({
      {"KAFKA://Broker:9092", "kafka://Broker:9092"},
      {"kafka://Broker:9092", "kafka://Broker:9092"},
      {"Hive://Metastore:9083/", "hive://Metastore:9083/"},
      {"bigquery", "bigquery"},
  });
}

}  // namespace
}  // namespace lm
