#include "cli/report.h"

#include <boost/json.hpp>
#include <iostream>

#include "service/api.h"
#include "service/clock.h"
#include "service/journal.h"
#include "store/schema.h"

namespace guanxi::cli {

int Report(const ReportOptions& o) {
  try {
    // A reader connection only: nothing here writes, so a hot standby serves it.
    std::unique_ptr<store::Db> db = store::OpenReader(o.db, o.shop);
    db->BeginRead();  // the engine and the report from one snapshot
    const std::unique_ptr<core::Engine> engine = service::RebuildEngine(*db);
    service::SystemClock clock;
    service::ReadCtx ctx{*db, *engine, clock.NowMs()};
    const service::Caller owner{0, "owner", -1};
    const service::Reply r = service::DashboardReport(ctx, owner, o.from_ms, o.to_ms, o.utc_offset_minutes);
    db->Commit();
    if (!r) {
      std::cerr << "guanxi: " << r.error().message << "\n";
      return 2;
    }
    std::cout << boost::json::serialize(r.value()) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "guanxi: report failed: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace guanxi::cli
