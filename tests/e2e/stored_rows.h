// What end-to-end tests ask of the system's database directly: did a value get stored?
#pragma once

#include <cstdint>
#include <string>

#include "pqxx/pqxx"

namespace octo::testing {

// Rows of tasks (spec, result, error), task_steps and task_events (message, error) of the
// database at `dsn` whose bytes contain `needle`.
inline int64_t RowsContaining(const std::string& dsn, const std::string& needle) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction tx(conn);
  const std::string sql =
      "SELECT (SELECT count(*) FROM tasks WHERE position($1::bytea in spec"
      "  || coalesce(result, ''::bytea) || coalesce(error, ''::bytea)) > 0)"
      " + (SELECT count(*) FROM task_steps WHERE position($1::bytea in step) > 0)"
      " + (SELECT count(*) FROM task_events WHERE strpos(message, $2) > 0"
      "  OR position($1::bytea in coalesce(error, ''::bytea)) > 0)";
  return tx.exec_params1(sql, pqxx::binarystring(needle), needle)[0].as<int64_t>();
}

}  // namespace octo::testing
