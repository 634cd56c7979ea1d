// Settings of an octo-arm process, from flags and OCTO_* variables (README: Configuration).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "octo/common/config.h"
#include "octo/llm/providers.h"
#include "octo/rpc/process.h"

namespace octo::arms {

struct Options {
  std::string arm;  // required: retriever | executor | planner | judge | answerer | coder | guardian
  rpc::ProcessOptions process{.listen = "127.0.0.1:50061", .metrics_listen = "127.0.0.1:9111"};
  // Retriever: the documents. Model arms: with `redis`, tenants' spend limits are held.
  std::string database_url;
  std::string redis;  // host:port; model arms hold spend limits in it
  int database_pool = 8;
  int max_concurrency = 32;
  std::string exec_allow = "echo,cat,wc,head,tail,sort,uniq,grep,date,sleep,true,false";
  absl::Duration exec_timeout = absl::Seconds(30);
  int exec_max_output_bytes = 64 << 10;
  int planner_max_steps = 8;        // when a request sets none
  double judge_min_coverage = 0.6;  // keyword share for free-form criteria
  llm::ProviderConfig llm;          // OCTO_LLM_*: the arm's language model (planner, answerer, judge, coder)
  std::string llm_catalog;          // model catalog file (prices, tiers, endpoints, chains)
  int answer_max_tokens = 512;
  int plan_max_tokens = 1024;
  int code_max_tokens = 2048;
  int code_max_repairs = 2;

  void Bind(common::ConfigBinder& binder);
  // INVALID_ARGUMENT naming the first setting that is wrong for this arm kind.
  absl::Status Validate() const;
  std::string LogService() const { return absl::StrCat("arm-", arm); }

 private:
  // The OCTO_LLM_* settings, with the key fallback applied as ArmModel::Open applies it.
  absl::Status ValidateModel() const;
};

}  // namespace octo::arms
