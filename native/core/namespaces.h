// The namespace rule (ingest.naming): one spelling per source, so a table named by an event, a
// crawl or a contract in different spellings is one dataset.
//
// Written once, here: the OpenLineage translation spells every dataset namespace with it without
// calling back into Python, and ``ingest.naming.normal_namespace`` is this function, so every
// ingester (dbt, Iceberg, quality, catalog facets) spells by the one rule.
//
//   s3a://b/, s3n://b          -> s3://b       (abfs -> abfss, wasb -> wasbs, gs; trailing / dropped)
//   sqlite:////p/c.db          -> sqlite:/p/c.db  (an SQLAlchemy URL in its JDBC form)
//   postgresql://DB.x:5432/    -> postgres://db.x:5432   (mariadb -> mysql; host lower-cased)
//   HTTP://Cat:80/api/         -> http://cat/api          (default ports dropped)
//   KAFKA://Broker             -> kafka://Broker          (any other scheme: lower-cased only)
//
// Authorities are read exactly as Python 3.11's ``urllib.parse.urlsplit`` reads them (tabs and
// line breaks dropped, the fragment dropped, the query kept, userinfo kept, IPv6 and IPvFuture
// hosts checked and bracketed, the host lower-cased by ``str.lower``); a namespace whose authority
// it refuses (a bad port, a bad bracketed host) is left exactly as sent, as is anything that is
// not ``scheme://...``.
#pragma once

#include <string>
#include <string_view>

namespace lm {

// The one spelling of the dataset namespace ``sent`` (UTF-8).
std::string normal_namespace(std::string_view sent);

// The scheme the naming spec names an object store by, for a lower-case scheme reaching one
// (s3, s3a, s3n -> s3; abfs, abfss -> abfss; wasb, wasbs -> wasbs; gs), else "". Also what
// ``ingest.naming`` names storage locations by, so the table is written once, here.
std::string_view object_store(std::string_view scheme);

// Whether a normal namespace names a storage location (a file system: file, hdfs, dbfs; or an
// object store, as ``object_store`` names it) rather than a catalog, metastore or database.
bool storage_namespace(std::string_view ns);

// The spec's scheme of a database as producers spell its lower-case scheme (postgresql ->
// postgres, mariadb -> mysql), else "".
std::string_view database_scheme(std::string_view scheme);

}  // namespace lm
