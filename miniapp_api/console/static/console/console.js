/* 民警工作台: behaviour declared in the markup, so pages need no inline scripts (the
   Content-Security-Policy forbids them). Runs on page load and on content htmx swaps in.

   <form data-confirm="确定驳回吗？">           asks before submitting (forms without htmx)
   <div data-map                               a Leaflet map, coordinates GCJ-02 throughout
        data-center="30.17,121.25" data-zoom="13"
        data-features="zones-json"            id of a <script type="application/json"> with a
                                              GeoJSON FeatureCollection shown for reference
        data-draw="#f-boundary"               draw and edit polygons with Geoman; the field
                                              holds them as a GeoJSON FeatureCollection
        data-tiles="…/{z}/{x}/{y}.png">      a tile layer (GCJ-02 tiles); without it, a grid
                                              (a feature's properties.href: a link to its page)
   <div data-chart="chart-json">              an ECharts chart; the id names the JSON options
*/
(function () {
  "use strict";

  var GRATICULE_STEPS = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005];
  var ZONE_STYLE = { color: "#143c7d", weight: 2, fillColor: "#2f6fd6", fillOpacity: 0.12 };
  var INACTIVE_STYLE = { color: "#8a94a6", weight: 1, dashArray: "4 4", fillOpacity: 0.04 };
  var DRAWN_STYLE = { color: "#b42318", weight: 2, fillColor: "#f04438", fillOpacity: 0.15 };

  function readJSON(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) fn(root);
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  /* Confirmations for plain forms; htmx forms use hx-confirm. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  /* Maps */

  /* The largest step that still draws a few lines across the view. */
  function pickStep(bounds) {
    var span = Math.max(bounds.getEast() - bounds.getWest(), bounds.getNorth() - bounds.getSouth());
    for (var i = 0; i < GRATICULE_STEPS.length; i++) {
      if (span / GRATICULE_STEPS[i] >= 4) return GRATICULE_STEPS[i];
    }
    return GRATICULE_STEPS[GRATICULE_STEPS.length - 1];
  }

  /* No base map is configured: a longitude/latitude grid shows where the view is. */
  function addGraticule(map) {
    var pane = map.createPane("graticule");
    pane.style.zIndex = 250;
    pane.style.pointerEvents = "none";
    var layer = L.layerGroup().addTo(map);
    var line = { pane: "graticule", color: "#c5cedb", weight: 1, interactive: false };

    /* Latitudes are labelled at the east edge (Geoman's toolbar sits at the west), longitudes
       at the south edge; console.css places the text beside its line. */
    function label(latlng, text, side) {
      var html = document.createElement("span");
      html.textContent = text;
      return L.marker(latlng, {
        pane: "graticule",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({ className: "graticule-label graticule-" + side, html: html, iconSize: [0, 0] }),
      });
    }

    function draw() {
      layer.clearLayers();
      var b = map.getBounds();
      var step = pickStep(b);
      var digits = Math.max(0, Math.ceil(-Math.log10(step)));
      var west = Math.floor(b.getWest() / step) * step;
      var south = Math.floor(b.getSouth() / step) * step;
      for (var lng = west; lng <= b.getEast(); lng += step) {
        layer.addLayer(L.polyline([[b.getSouth(), lng], [b.getNorth(), lng]], line));
        layer.addLayer(label([b.getSouth(), lng], lng.toFixed(digits) + "°E", "lng"));
      }
      for (var lat = south; lat <= b.getNorth(); lat += step) {
        layer.addLayer(L.polyline([[lat, b.getWest()], [lat, b.getEast()]], line));
        layer.addLayer(label([lat, b.getEast()], lat.toFixed(digits) + "°N", "lat"));
      }
    }

    map.on("moveend zoomend resize", draw);
    draw();
  }

  function addCoordinates(map) {
    var Control = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "coords");
        box.setAttribute("aria-live", "off");
        box.textContent = "GCJ-02 · 移动鼠标查看坐标";
        map.on("mousemove", function (e) {
          box.textContent =
            "GCJ-02 纬度 " + e.latlng.lat.toFixed(6) + "，经度 " + e.latlng.lng.toFixed(6);
        });
        return box;
      },
    });
    new Control().addTo(map);
  }

  function addDrawing(map, field) {
    var drawn = L.featureGroup().addTo(map);
    map.pm.setLang("zh");
    map.pm.setGlobalOptions({ allowSelfIntersection: false, pathOptions: DRAWN_STYLE });
    map.pm.addControls({
      position: "topleft",
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawCircle: false,
      drawText: false,
      cutPolygon: false,
      rotateMode: false,
    });

    function write() {
      field.value = drawn.getLayers().length ? JSON.stringify(drawn.toGeoJSON(6)) : "";
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function track(layer) {
      drawn.addLayer(layer);
      layer.on("pm:edit pm:dragend", write);
    }

    if (field.value.trim()) {
      L.geoJSON(JSON.parse(field.value), { style: DRAWN_STYLE }).eachLayer(track);
    }
    map.on("pm:create", function (e) {
      track(e.layer);
      write();
    });
    map.on("pm:remove", function (e) {
      drawn.removeLayer(e.layer);
      write();
    });
    return drawn;
  }

  function initMap(el) {
    if (el.dataset.ready || typeof L === "undefined") return;
    el.dataset.ready = "1";
    var center = (el.dataset.center || "30.17,121.25").split(",").map(Number);
    var map = L.map(el, { center: center, zoom: Number(el.dataset.zoom || 13) });
    map.attributionControl.setPrefix("Leaflet · 坐标系 GCJ-02");
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, subdomains: "1234" }).addTo(map);
    } else {
      addGraticule(map);
    }
    addCoordinates(map);

    var bounds = L.latLngBounds([]);
    var features = readJSON(el.dataset.features);
    if (features) {
      var zones = L.geoJSON(features, {
        pmIgnore: true,
        style: function (feature) {
          return feature.properties && feature.properties.active === false ? INACTIVE_STYLE : ZONE_STYLE;
        },
      }).addTo(map);
      zones.eachLayer(function (layer) {
        var name = layer.feature.properties && layer.feature.properties.name;
        if (name) layer.bindTooltip(name, { permanent: true, direction: "center", className: "zone-label" });
        var href = layer.feature.properties && layer.feature.properties.href;
        if (href) {
          layer.on("click", function () {
            window.location.assign(href);
          });
        }
      });
      bounds.extend(zones.getBounds());
    }
    var field = el.dataset.draw && document.querySelector(el.dataset.draw);
    if (field && map.pm) {
      var drawn = addDrawing(map, field);
      if (drawn.getLayers().length) bounds.extend(drawn.getBounds());
    }
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24] });
    el._consoleDispose = function () {
      map.remove();
    };
  }

  /* Charts */

  function initChart(el) {
    if (el.dataset.ready || typeof echarts === "undefined") return;
    el.dataset.ready = "1";
    var option = readJSON(el.dataset.chart) || {};
    var font = window.getComputedStyle(document.body).fontFamily;
    var chart = echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
    chart.setOption(
      Object.assign(
        {
          color: ["#143c7d", "#2f9e8f", "#e0a030", "#b42318", "#7a5cc2"],
          textStyle: { fontFamily: font, fontSize: 13, color: "#1b2430" },
          aria: { enabled: true },
          animation: false,
        },
        option
      )
    );
    var observer = new ResizeObserver(function () {
      chart.resize();
    });
    observer.observe(el);
    el._consoleDispose = function () {
      observer.disconnect();
      chart.dispose();
    };
  }

  function init(root) {
    each(root, "[data-map]", initMap);
    each(root, "[data-chart]", initChart);
  }

  /* Maps and charts inside content that htmx removes are torn down with it. */
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var el = event.target;
    if (el._consoleDispose) {
      el._consoleDispose();
      el._consoleDispose = null;
    }
  });

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      init(document.body);
    });
  }
})();
