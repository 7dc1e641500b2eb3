// Await: lets a handler coroutine wait for work finished on another thread (the service's single
// writer thread completes a command there after its commit). Threading: `complete` may be called
// from any thread; the coroutine always resumes on its own executor (its connection's strand).
#pragma once

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <utility>

namespace guanxi::http {

// Calls start(complete) and suspends until complete(value) is called; the co_await yields value.
// `complete` is copyable. Calls after the first are ignored.
// REQUIRES: complete is called (or its last copy dropped) before the Server that runs the coroutine
// is destroyed: stop the service's writer after Server::Stop and before destroying the Server. A
// `complete` dropped without a call destroys the waiting coroutine without an answer (the
// connection closes), so always call it, with an error value if need be.
template <typename T>
boost::asio::awaitable<T> Await(std::function<void(std::function<void(T)>)> start) {
  auto initiate = [](auto handler, std::function<void(std::function<void(T)>)> start_fn) {
    // asio's handler is move-only and std::function wants copies: share it.
    using H = decltype(handler);
    struct State {
      explicit State(H h) : handler(std::move(h)) {}
      H handler;
      std::atomic<bool> done{false};
    };
    auto state = std::make_shared<State>(std::move(handler));
    start_fn([state](T value) {
      if (state->done.exchange(true)) return;
      auto ex = boost::asio::get_associated_executor(state->handler);
      // Always post, never dispatch: complete may run inside start, before the coroutine may
      // resume.
      boost::asio::post(
          ex, [state, v = std::move(value)]() mutable { std::move(state->handler)(std::move(v)); });
    });
  };
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      std::move(initiate), boost::asio::use_awaitable, std::move(start));
}

}  // namespace guanxi::http
