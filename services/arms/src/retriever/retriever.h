// Retriever arm: ranked full-text search over the tenant's documents, and ingestion.
#pragma once

#include <memory>

#include "octo/store/document_repository.h"
#include "src/runtime/arm_handler.h"

namespace octo::arms {

// Capabilities "retrieve" and "ingest". The repository must outlive the handler.
std::unique_ptr<ArmHandler> NewRetriever(store::DocumentRepository& documents);

}  // namespace octo::arms
