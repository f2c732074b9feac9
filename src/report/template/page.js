// tolsim report: draws the charts whose Vega-Lite specifications are in #tolsim-report-data, then records the
// outcome on <body> for people and for tests:
//   data-rendered        charts drawn
//   data-render-errors   charts that failed
//   data-console-errors  console.error calls, uncaught errors, rejected promises and blocked requests
//   data-console-warnings console.warn calls (Vega-Lite warns about specifications it had to change)
//   data-render-done     "true" once every chart has either been drawn or failed
// This script runs in <head>, before the libraries, so that an error while they load is counted as well.
(function () {
  'use strict';
  var counts = { consoleErrors: 0, consoleWarnings: 0 };
  var messages = [];

  function publish() {
    if (!document.body) return;
    document.body.dataset.consoleErrors = String(counts.consoleErrors);
    document.body.dataset.consoleWarnings = String(counts.consoleWarnings);
    var box = document.getElementById('tolsim-problems');
    if (box && messages.length > 0) {
      box.hidden = false;
      box.querySelector('pre').textContent = messages.join('\n');
    }
  }

  function text(args) {
    return Array.prototype.map.call(args, function (a) {
      if (a instanceof Error) return a.message;
      if (typeof a === 'object') { try { return JSON.stringify(a); } catch (e) { return String(a); } }
      return String(a);
    }).join(' ');
  }

  function problem(kind, message) {
    if (kind === 'warning') counts.consoleWarnings += 1; else counts.consoleErrors += 1;
    messages.push(kind + ': ' + message);
    publish();
  }

  var originalError = console.error, originalWarn = console.warn;
  console.error = function () { problem('error', text(arguments)); originalError.apply(console, arguments); };
  console.warn = function () { problem('warning', text(arguments)); originalWarn.apply(console, arguments); };
  window.addEventListener('error', function (e) {
    problem('error', (e.message || 'script error') + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : ''));
  });
  window.addEventListener('unhandledrejection', function (e) {
    problem('error', 'unhandled rejection: ' + text([e.reason]));
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    problem('error', 'blocked by the page policy: ' + e.violatedDirective + ' ' + e.blockedURI);
  });

  function draw() {
    var body = document.body;
    publish();
    var charts = JSON.parse(document.getElementById('tolsim-report-data').textContent).charts;
    if (typeof window.vegaEmbed !== 'function') {
      problem('error', 'vega-embed did not load: no chart can be drawn');
      body.dataset.rendered = '0';
      body.dataset.renderErrors = String(charts.length);
      body.dataset.renderDone = 'true';
      return;
    }
    var jobs = charts.map(function (chart) {
      var element = document.getElementById(chart.id);
      var options = { renderer: 'svg', actions: false, mode: 'vega-lite' };
      return window.vegaEmbed(element, chart.spec, options).then(function (result) {
        element.dataset.status = 'rendered';
        return result;
      }, function (error) {
        element.dataset.status = 'error';
        element.textContent = 'This chart could not be drawn: ' + (error && error.message ? error.message : error);
        problem('error', chart.id + ': ' + (error && error.message ? error.message : error));
        throw error;
      });
    });
    Promise.allSettled(jobs).then(function (results) {
      var drawn = results.filter(function (r) { return r.status === 'fulfilled'; }).length;
      body.dataset.rendered = String(drawn);
      body.dataset.renderErrors = String(results.length - drawn);
      body.dataset.renderDone = 'true';
    });
  }

  document.addEventListener('DOMContentLoaded', draw);
})();
