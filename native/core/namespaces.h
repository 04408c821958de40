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

}  // namespace lm
