// The one-document corpus that the whole-system tests ingest, and the question it answers.
#pragma once

#include "octo/v1/operations.pb.h"

namespace octo::testing {

// Answered by the body of LighthouseGuide().
inline constexpr char kLighthouseQuestion[] = "Who polishes the Fresnel lens?";

// An ingest request for one document: a lighthouse keeping guide.
inline v1::IngestDocumentsRequest LighthouseGuide() {
  v1::IngestDocumentsRequest ingest;
  v1::Document* doc = ingest.add_documents();
  doc->set_external_id("guide/lighthouses");
  doc->set_title("Lighthouse keeping");
  doc->set_body("A lighthouse keeper trims the wick and polishes the Fresnel lens every evening.");
  return ingest;
}

}  // namespace octo::testing
