// Package dashboard is a live dashboard of a templive server, built with
// templive itself. Mount it on the app's [live.Server] behind the app's
// own authorization:
//
//	dash, err := dashboard.Mount(lv, "/dashboard", dashboard.Options{
//		Allow: func(s *live.Socket) bool { return isAdmin(s.Session().Get("user")) },
//	})
//	…
//	defer dash.Close()
//
// # Pages
//
// The overview, at the prefix, shows the node — uptime, goroutines,
// memory, GC, CPU, views, events per second — with charts of the last
// minutes, the nodes of the cluster, the PubSub topics and the presence
// topics. The views page (prefix+"/views") lists the connected views,
// each of which an operator can end. The routes page (prefix+"/routes")
// shows, for every page the app registered, its events per second now and
// over the last minute, the p50, p90 and p99 of its event latencies, a
// histogram of them, and its mounts.
//
// Every page samples and renders again once a refresh ([Options.Refresh],
// a second) while it is open; its charts are SVG whose points and bars
// change, which reach the browser as ordinary patches. With no page open
// the dashboard costs nothing but a subscription.
//
// # Routes
//
// The routes page reads [live.Server.RouteStats]: histograms the server
// keeps per registered route whether a dashboard is mounted or not, of
// each event from its view taking it to the reply that carries the patch
// (event hooks, HandleEvent, render, diff, encoding), and of each mount.
// Their buckets are fixed ([live.LatencyBounds]), so a page adds up the
// histograms of several nodes exactly; a quantile it shows is the upper
// bound of the bucket that holds it. The page charts what happens while
// it is open: the first answer of each node is its starting point.
//
// # Cluster
//
// Mount the dashboard on every node of a cluster. An open overview or
// routes page asks every node over the server's PubSub once a refresh,
// and each node's responder, started by Mount and stopped by
// [Dashboard.Close], answers on the page's own topic: the overview lists
// each node's figures, the routes page merges the nodes' routes into one
// row per route, with each node's events per second beside it. With the
// in-process PubSub the only node is this one.
package dashboard
